// Package render turns a run and its analyses into the static site of docs/formats.md ("The site"):
// figures drawn with gonum/plot (SVG, and PDF on request), the compressed payload the epoch
// slider reads, the explanations rendered from Markdown, and the page that holds them. It does
// not train or analyse: everything it shows comes precomputed from package compute.
package render

import (
	"html/template"

	"maxgrok/compute"
)

// Figure is one figure of the report.
type Figure struct {
	Name     string // file stem: figures/<Name>.svg (and .pdf)
	Title    string // plain text
	Kind     string // "line", "scatter", "heatmap" (animated by the slider) or "series" (over epochs)
	SVG      []byte // the figure at the final epoch ("series": the whole run), as written to figures/
	FrameSVG []byte // the same axes, labels and colour bar without the data, for the slider's overlay
	PDF      []byte // the figure as PDF (only with -pdf)
	Frame    Frame  // where the data goes in SVG and FrameSVG
}

// Frame maps data coordinates to a figure's SVG user units (origin at the top left, y down): the
// data point (XMin, YMin) sits at (X0, Y1) and (XMax, YMax) at (X1, Y0).
type Frame struct {
	Width, Height          float64 // the SVG's size (its viewBox)
	X0, Y0, X1, Y1         float64 // the plot area, X0 < X1, Y0 < Y1
	XMin, XMax, YMin, YMax float64 // the data ranges of the axes, fixed over all epochs
	LogY                   bool    // y axis is logarithmic
	ZMin, ZMax             float64 // heatmaps: the colour scale's range (symmetric around 0)
	ZGamma                 float64 // heatmaps: a value v takes the colour at sign(v)·|v/ZMax|^ZGamma of the scale (0 or 1: linear)
}

// Section is one part of the explanations, rendered from a Markdown file of content/.
type Section struct {
	ID    string        // anchor, from the file name: "02-model.md" gives "model"
	Title string        // the text of the file's first "# " heading
	HTML  template.HTML // the rendered body; a comment <!--figure:NAME--> marks where figure NAME goes
}

// Phase is a notable epoch of the run, computed from its metrics (e.g. "train accuracy reaches
// 1.0"), with a button in the page that jumps to it.
type Phase struct {
	Key         string // stable identifier, e.g. "memorised"
	Name        string // short label for the button
	Epoch       int    // a checkpoint epoch
	Description string // one sentence
}

// PageData is everything the page template shows.
type PageData struct {
	Title      string
	Run        *compute.Run // config, epochs, metrics, analyses
	Sections   []Section
	Figures    []Figure
	Phases     []Phase
	FinalEpoch int
	Assets     Assets
}

// Assets are the relative URLs of the files the page loads.
type Assets struct {
	CSS, JS       string // e.g. "assets/style.css", "assets/app.js"
	PayloadGzip   string // classic script holding the gzip payload as Z85 text
	PayloadBrotli string // the same payload, brotli
}
