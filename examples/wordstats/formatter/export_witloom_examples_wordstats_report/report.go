// The report of wordstats, in Go: rows into an aligned text table with a
// bar per word, scaled to the largest total. Go suits it: strings,
// formatting and Unicode widths from the standard library.

package export_witloom_examples_wordstats_report

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"wit_component/witloom_examples_wordstats_report"
)

// The widest bar, in terminal cells.
const barCells = 24

// Eighths of a cell, for bars that end between cells.
var partial = []string{"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}

// Render draws `rows` under `title`: word, count in this run, total over
// all runs, and a bar proportional to the total.
func Render(title string, rows []witloom_examples_wordstats_report.Row) string {
	var b strings.Builder
	b.WriteString(title)
	b.WriteByte('\n')
	if len(rows) == 0 {
		b.WriteString("  (no words)\n")
		return b.String()
	}
	wordWidth := utf8.RuneCountInString("word")
	var maxTotal uint64
	countWidth, totalWidth := len("this run"), len("all runs")
	for _, r := range rows {
		wordWidth = max(wordWidth, utf8.RuneCountInString(r.Word))
		countWidth = max(countWidth, len(fmt.Sprint(r.Count)))
		totalWidth = max(totalWidth, len(fmt.Sprint(r.Total)))
		maxTotal = max(maxTotal, r.Total)
	}
	pad := func(s string, width int) string {
		return s + strings.Repeat(" ", width-utf8.RuneCountInString(s))
	}
	fmt.Fprintf(&b, "  %s  %*s  %*s\n", pad("word", wordWidth), countWidth, "this run", totalWidth, "all runs")
	for _, r := range rows {
		fmt.Fprintf(&b, "  %s  %*d  %*d  %s\n", pad(r.Word, wordWidth), countWidth, r.Count, totalWidth, r.Total, bar(r.Total, maxTotal))
	}
	return b.String()
}

// bar is `total` out of `max` as up to barCells cells, in eighths.
func bar(total, max uint64) string {
	if max == 0 {
		return ""
	}
	eighths := (total*barCells*8 + max/2) / max
	if eighths == 0 && total > 0 {
		eighths = 1 // every counted word gets a sliver
	}
	return strings.Repeat("█", int(eighths/8)) + partial[eighths%8]
}
