"""Routes: the seed's views, and the same views through the middleware
teams ship. gzip_page and conditional_page are Django's own
decorator_from_middleware(GZipMiddleware) and
decorator_from_middleware(ConditionalGetMiddleware): the same classes as
in MIDDLEWARE, applied to these routes only.

    /download_csv                         HttpResponse, Content-Length
    /download_csv_streaming               StreamingHttpResponse
    /download_csv_streaming_accel         ... with X-Accel-Buffering: no
    /gzip/download_csv[_streaming]        through GZipMiddleware
    /etag/download_csv[_streaming]        through ConditionalGetMiddleware
    /nocache/download_csv_streaming       with never_cache (Cache-Control:
                                          max-age=0, no-cache, no-store,
                                          must-revalidate, private)
    /private/download_csv_streaming       403 without the cookie
                                          labsession=letmein (a login)
"""
from django.urls import path
from django.views.decorators.gzip import gzip_page
from django.views.decorators.cache import never_cache
from django.views.decorators.http import conditional_page

from . import views

urlpatterns = [
    path("download_csv", views.download_csv),
    path("download_csv_streaming", views.download_csv_streaming),
    path("download_csv_streaming_accel", views.download_csv_streaming_accel),
    path("gzip/download_csv", gzip_page(views.download_csv)),
    path("gzip/download_csv_streaming", gzip_page(views.download_csv_streaming)),
    path("etag/download_csv", conditional_page(views.download_csv)),
    path("etag/download_csv_streaming", conditional_page(views.download_csv_streaming)),
    path("nocache/download_csv_streaming", never_cache(views.download_csv_streaming)),
    path("private/download_csv_streaming", never_cache(views.private_download_csv_streaming)),
]
