package wire

// Hops is what GET /hops answers: the hops beyond this server's own
// scenarios that the page's "hop by hop" comparison can run a request
// through. The page asks for it each time, so it always shows what the
// running server allows.
type Hops struct {
	// Nginx is the origin (http://127.0.0.1:PORT) of the nginx the server
	// started in front of itself (-nginx), "" when none runs.
	Nginx string `json:"nginx,omitempty"`
	// NginxLocations are its locations to run a request through, each in
	// front of this server (internal/nginx): /buffering-on/, /buffering-off/.
	NginxLocations []string `json:"nginxLocations,omitempty"`
	// NginxProblem says why no nginx hop is offered ("not installed
	// (apt-get install nginx)", "not started (start chunkscope with -nginx)").
	NginxProblem string `json:"nginxProblem,omitempty"`
	// Upstreams are the other allowed -upstream origins (nginx's left out).
	Upstreams []string `json:"upstreams"`
}
