// Package render turns a run and its analyses into the static site of docs/formats.md ("The site"):
// figures drawn with gonum/plot (SVG, and PDF on request), the compressed payload the epoch
// slider reads, the explanations rendered from Markdown, and the page that holds them. It does
// not train or analyse: everything it shows comes precomputed from package compute.
package render

import (
	"html/template"

	"maxgrok/compute"
)

// Figure is one figure of the report. Everything but the drawings goes into the payload
// header, for the page's script (templates/app.js), which finds a figure's parts by kind and by
// the classes listed at the top of figures.go, never by the figure's name.
type Figure struct {
	Name  string // file stem: figures/<Name>.svg (and .pdf)
	Title string // plain text
	Kind  string // "line", "scatter", "heatmap" (animated by the slider) or "series" (over epochs)
	SVG   []byte // the figure at the final epoch ("series": the whole run), as written to figures/
	PDF   []byte // the figure as PDF (only with -pdf)
	Frame Frame  // where the data goes in SVG
	// Series are the series the figure draws, in the order of the SVG's data groups (a heatmap
	// has one).
	Series []FigureSeries
	// AxisLabels name the indices of the data for tooltips and CSV: [x] for line, scatter and
	// series figures, [row, column] for heatmaps.
	AxisLabels []string
	XCount     int    // line and scatter: the number of values of each series at a checkpoint
	Marks      string // heatmaps: the payload array of the cells marked in the SVG, or ""
	// Multiples is the figure at each of the run's phases (figures/<Name>-phases.svg), for the
	// line, scatter and heatmap figures; nil for the others.
	Multiples *Multiples
}

// Multiples are a figure's small multiples: one panel per phase epoch of the run (start, early
// peak, plateau, memorised, grokked, final, those the run has), in a grid, on the scale of the
// whole run, as the static figure uses.
type Multiples struct {
	Panels        []Panel
	Width, Height float64 // the size of the SVG (its viewBox), in CSS px
	SVG           []byte  // as written to figures/<Name>-phases.svg
	PDF           []byte  // figures/<Name>-phases.pdf (only with -pdf)
}

// Panel is one panel of a figure's small multiples.
type Panel struct {
	Epoch int
	Label string // e.g. "grokked · epoch 1940"
}

// FigureSeries is one series of a figure, as the page finds it in the payload.
type FigureSeries struct {
	Label  string `json:"label"`            // in tooltips and CSV headers
	Array  string `json:"array"`            // the payload array holding it
	Offset int    `json:"offset,omitempty"` // line and scatter: where the series starts in a checkpoint's row of the array
}

// Frame maps data coordinates to a figure's SVG user units (origin at the top left, y down): the
// data point (XMin, YMin) sits at (X0, Y1) and (XMax, YMax) at (X1, Y0).
type Frame struct {
	Width  float64 `json:"width"` // the SVG's size (its viewBox)
	Height float64 `json:"height"`
	X0     float64 `json:"x0"` // the plot area, X0 < X1, Y0 < Y1
	Y0     float64 `json:"y0"`
	X1     float64 `json:"x1"`
	Y1     float64 `json:"y1"`
	XMin   float64 `json:"x_min"` // the data ranges of the axes, fixed over all epochs
	XMax   float64 `json:"x_max"`
	YMin   float64 `json:"y_min"`
	YMax   float64 `json:"y_max"`
	LogY   bool    `json:"log_y"` // y axis is logarithmic
	ZMin   float64 `json:"z_min"` // heatmaps: the colour scale's range (symmetric around 0)
	ZMax   float64 `json:"z_max"`
	ZGamma float64 `json:"z_gamma"` // heatmaps: a value v takes the colour at sign(v)·|v/ZMax|^ZGamma of the scale (0 or 1: linear)
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
	Up         string // a page the report belongs to (a sweep's), linked at the top; "" for none
	NoAnalyses bool   // the site has no data/analyses.safetensors (a sweep's report without -export)
	// GIFs are the stems of the animated GIFs written (figures/<stem>.gif, with -gif): figure
	// names, and "training" for the combined one.
	GIFs []string
}

// Assets are the relative URLs of the files the page loads.
type Assets struct {
	CSS, JS string // e.g. "assets/style.css", "assets/app.js"
	Slider  string // e.g. "assets/slider.js": what app.js shares with sweep.js, loaded before JS
	Payload string // classic script holding the gzip payload as Z85 text (PayloadScript)
}
