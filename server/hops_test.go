package server

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	appwire "chunkscope/app/wire"
)

// TestHops: GET /hops says what the page's hop-by-hop comparison can run a
// request through: nginx with its locations (left out of the upstreams), or
// why there is none, and the other -upstream origins.
func TestHops(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want appwire.Hops
	}{
		{"nothing", Config{}, appwire.Hops{NginxProblem: NginxNotStarted, Upstreams: []string{}}},
		{"not installed", Config{Nginx: Nginx{Problem: "not installed (apt-get install nginx)"}, Upstreams: []string{"http://127.0.0.1:9000"}},
			appwire.Hops{NginxProblem: "not installed (apt-get install nginx)", Upstreams: []string{"http://127.0.0.1:9000"}}},
		{"nginx", Config{Nginx: Nginx{Origin: "http://127.0.0.1:8081", Locations: []string{"/buffering-on/", "/buffering-off/"}},
			Upstreams: []string{"http://127.0.0.1:9000", "http://127.0.0.1:8081"}},
			appwire.Hops{Nginx: "http://127.0.0.1:8081", NginxLocations: []string{"/buffering-on/", "/buffering-off/"}, Upstreams: []string{"http://127.0.0.1:9000"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Web = testWeb()
			ts := startServer(t, tc.cfg)
			resp, err := http.Get(ts.URL + "/hops")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var got appwire.Hops
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != 200 {
				t.Fatalf("status %d, %v", resp.StatusCode, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("GET /hops = %+v; want %+v", got, tc.want)
			}
			for path, want := range map[string]int{"/hops?x=1": 400} {
				if r, err := http.Get(ts.URL + path); err != nil || r.StatusCode != want {
					t.Errorf("GET %s: %v %v; want %d", path, r.StatusCode, err, want)
				} else {
					r.Body.Close()
				}
			}
		})
	}
}
