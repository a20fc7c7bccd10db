// notes' pages, in Go: the home page, rendered with html/template (which
// escapes every note's text for HTML, so a note cannot inject markup).
package export_witloom_examples_notes_pages

import (
	"html/template"
	"strings"
	"time"

	. "wit_component/witloom_examples_notes_pages"
)

type view struct {
	ID      int64
	Title   string
	Body    string
	Created string
}

var home = template.Must(template.New("home").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>notes</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  h1 { margin-bottom: 0.2rem; }
  .hint { color: #666; margin-top: 0; }
  form { display: grid; gap: 0.5rem; margin: 1.5rem 0; }
  input, textarea, button { font: inherit; padding: 0.4rem; }
  article { border-top: 1px solid #ddd; padding: 0.6rem 0; }
  article h2 { font-size: 1.1rem; margin: 0; }
  time { color: #777; font-size: 0.85rem; }
  #status { color: #a33; }
</style>
</head>
<body>
<h1>notes</h1>
<p class="hint">{{len .}} note(s). Served by witloom: a C gate, a Rust API, Go pages.</p>
<form id="add">
  <input name="title" placeholder="Title" required maxlength="200">
  <textarea name="body" placeholder="What to remember" rows="3"></textarea>
  <input name="token" type="password" placeholder="Token (NOTES_TOKEN)" required>
  <button>Add note</button>
  <span id="status"></span>
</form>
{{range .}}<article id="note-{{.ID}}">
  <h2>{{.Title}}</h2>
  <time>{{.Created}}</time>
  <p>{{.Body}}</p>
</article>
{{else}}<p>No notes yet.</p>
{{end}}<script>
document.getElementById("add").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = e.target;
  const r = await fetch("/api/notes", {
    method: "POST",
    headers: { "content-type": "application/json", "authorization": "Bearer " + f.token.value },
    body: JSON.stringify({ title: f.title.value, body: f.body.value }),
  });
  if (r.ok) { location.reload(); } else { document.getElementById("status").textContent = (await r.json()).error; }
});
</script>
</body>
</html>
`))

// Home renders every note, in the order given (the API sends newest first).
func Home(notes []Note) string {
	views := make([]view, len(notes))
	for i, n := range notes {
		views[i] = view{
			ID:      n.Id,
			Title:   n.Title,
			Body:    n.Body,
			Created: time.Unix(n.Created, 0).UTC().Format("2006-01-02 15:04 UTC"),
		}
	}
	var out strings.Builder
	if err := home.Execute(&out, views); err != nil {
		return "<!doctype html><p>cannot render the page: " + template.HTMLEscapeString(err.Error())
	}
	return out.String()
}
