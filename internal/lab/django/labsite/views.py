"""The seed's two views (streaming_django, 2016), paced.

    download_csv            HttpResponse of the joined rows, Content-Length set
    download_csv_streaming  StreamingHttpResponse of the same generator
    private_download_csv_streaming
                            the same behind a "login": 403 without the
                            cookie labsession=letmein (an export behind a
                            session, to read with the page's Cookie header)

Rows are the seed's: "One,Two,Three" then "Hello,world,N", written by
csv.writer. Query parameters:

    rows=N    rows in all, header included (default 100, at most 100000)
    delay=MS  milliseconds slept before each row after the first (default 0,
              at most 1000; rows x delay at most 120000)

For example /download_csv_streaming?rows=2000&delay=2: 2,000 rows, one
every 2 ms, about 4 s.
"""
import csv
import io
import time

from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse

MAX_ROWS = 100_000
MAX_DELAY_MS = 1_000
MAX_TOTAL_MS = 120_000


def big_csv(num_rows, delay):
    """The seed's generator: one CSV row per item, delay seconds apart."""
    for row in range(num_rows):
        if row and delay:
            time.sleep(delay)
        output = io.StringIO()
        writer = csv.writer(output)
        if row == 0:
            writer.writerow(["One", "Two", "Three"])
        else:
            writer.writerow(["Hello", "world", row])
        yield output.getvalue()


def pace(request):
    """rows and delay (seconds) from the query, or an error sentence."""
    try:
        rows = int(request.GET.get("rows", "100"))
        delay_ms = int(request.GET.get("delay", "0"))
    except ValueError:
        return None, None, "rows and delay (ms) must be whole numbers, e.g. ?rows=2000&delay=2"
    if not 1 <= rows <= MAX_ROWS:
        return None, None, f"rows={rows}: want 1 to {MAX_ROWS}"
    if not 0 <= delay_ms <= MAX_DELAY_MS:
        return None, None, f"delay={delay_ms}: want 0 to {MAX_DELAY_MS} ms per row"
    if rows * delay_ms > MAX_TOTAL_MS:
        return None, None, f"rows x delay = {rows * delay_ms} ms: want at most {MAX_TOTAL_MS} ms"
    return rows, delay_ms / 1000, None


def bad(message):
    return HttpResponseBadRequest(message + "\n", content_type="text/plain")


def download_csv(request):
    """The whole body built in memory, then sent with its Content-Length."""
    rows, delay, err = pace(request)
    if err:
        return bad(err)
    body = "".join(big_csv(rows, delay))
    response = HttpResponse(body, content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="big.csv"'
    response["Content-Length"] = len(body)
    return response


def download_csv_streaming(request):
    """Each row handed to the server as the generator yields it."""
    rows, delay, err = pace(request)
    if err:
        return bad(err)
    response = StreamingHttpResponse(big_csv(rows, delay), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="big.csv"'
    return response


def download_csv_streaming_accel(request):
    """The streaming view, telling nginx not to buffer this response."""
    response = download_csv_streaming(request)
    if response.status_code == 200:
        response["X-Accel-Buffering"] = "no"
    return response


SESSION_COOKIE = "labsession"
SESSION_VALUE = "letmein"


def private_download_csv_streaming(request):
    """The stream, for a request that carries the lab's session cookie."""
    if request.COOKIES.get(SESSION_COOKIE) != SESSION_VALUE:
        response = HttpResponse(
            f"login required: send the cookie {SESSION_COOKIE}=<the session> (the page's request headers: Cookie: ...)\n",
            status=403, content_type="text/plain")
        return response
    return download_csv_streaming(request)
