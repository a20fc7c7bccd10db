// The serve tests' handler in Go: `GET /hello`, `POST /echo` (the body
// back, with `x-echo-length` and the request's `x-probe`), `POST
// /count/NAME` (a row incremented through `witloom:host/sql`), else 404.
package export_wasi_http_incoming_handler

import (
	"strconv"
	"strings"

	witTypes "go.bytecodealliance.org/pkg/wit/types"
	http "wit_component/wasi_http_types"
	sql "wit_component/witloom_host_sql"
)

// respond sends the response head, then the body in chunks of at most
// 4 KiB (what one blocking write takes).
func respond(out *http.ResponseOutparam, status uint16, headers map[string]string, body []byte) {
	fields := http.MakeFields()
	for name, value := range headers {
		fields.Append(name, []byte(value))
	}
	response := http.MakeOutgoingResponse(fields)
	response.SetStatusCode(status)
	outgoing := response.Body().Ok()
	http.ResponseOutparamSet(out, witTypes.Ok[*http.OutgoingResponse, http.ErrorCode](response))
	stream := outgoing.Write().Ok()
	for len(body) > 0 {
		n := min(len(body), 4096)
		if stream.BlockingWriteAndFlush(body[:n]).IsErr() {
			break
		}
		body = body[n:]
	}
	stream.Drop()
	http.OutgoingBodyFinish(outgoing, witTypes.None[*http.Fields]())
}

// readBody reads the whole request body.
func readBody(request *http.IncomingRequest) []byte {
	body := request.Consume().Ok()
	stream := body.Stream().Ok()
	var bytes []byte
	for {
		chunk := stream.BlockingRead(64 * 1024)
		if chunk.IsErr() {
			break // closed, or failed: the body ends here
		}
		bytes = append(bytes, chunk.Ok()...)
	}
	stream.Drop()
	http.IncomingBodyFinish(body).Drop()
	return bytes
}

// count increments row `name` of `counters` and returns its new value.
func count(name string) (int64, string) {
	created := sql.Execute("CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL)", nil)
	if created.IsErr() {
		return 0, created.Err().Message
	}
	rows := sql.Query(
		"INSERT INTO counters (name, n) VALUES (?1, 1) ON CONFLICT (name) DO UPDATE SET n = counters.n + 1 RETURNING n",
		[]sql.Value{sql.MakeValueText(name)},
	)
	if rows.IsErr() {
		return 0, rows.Err().Message
	}
	return rows.Ok().Values[0][0].Integer(), ""
}

func Handle(request *http.IncomingRequest, out *http.ResponseOutparam) {
	method := request.Method().Tag()
	path := request.PathWithQuery().SomeOr("/")
	text := map[string]string{"content-type": "text/plain"}
	switch {
	case method == http.Method_Get && path == "/hello":
		respond(out, 200, text, []byte("hello from go\n"))
	case method == http.Method_Post && path == "/echo":
		probe := ""
		if values := request.Headers().Get("x-probe"); len(values) > 0 {
			probe = string(values[0])
		}
		body := readBody(request)
		respond(out, 200, map[string]string{
			"x-echo-length": strconv.Itoa(len(body)),
			"x-probe":       probe,
		}, body)
	case method == http.Method_Post && strings.HasPrefix(path, "/count/"):
		n, err := count(strings.TrimPrefix(path, "/count/"))
		if err != "" {
			respond(out, 500, text, []byte(err))
		} else {
			respond(out, 200, text, []byte(strconv.FormatInt(n, 10)))
		}
	default:
		respond(out, 404, text, []byte("not found\n"))
	}
	request.Drop()
}

