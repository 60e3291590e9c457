package main

import (
	"fmt"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The chart: one row of bar charts per GOMAXPROCS, one chart per ratio to
// isolate (jobs/s, admin p99 latency, CPU per job), one bar per
// implementation, and a line at 1, isolate's level.

// metric is one chart of a row: a ratio of the results to isolate's.
type metric struct {
	title string
	value func(result) *float64
}

var metrics = []metric{
	{"jobs/s (higher is better)", func(r result) *float64 { return r.JobsRatio }},
	{"admin p99 latency (lower is better)", func(r result) *float64 { return r.AdminP99Ratio }},
	{"CPU per job (lower is better)", func(r result) *float64 { return r.CPURatio }},
}

// writeChart draws the ratios of rs to isolate's into a PNG file.
func writeChart(file string, rs []result) error {
	var rows [][]result
	for _, r := range rs {
		if n := len(rows); n == 0 || rows[n-1][0].GOMAXPROCS != r.GOMAXPROCS {
			rows = append(rows, nil)
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], r)
	}
	plots := make([][]*plot.Plot, len(rows))
	for i, row := range rows {
		for _, m := range metrics {
			p, err := barChart(row, m)
			if err != nil {
				return err
			}
			plots[i] = append(plots[i], p)
		}
	}
	w, h := 10*vg.Inch, vg.Length(len(rows))*3.5*vg.Inch
	img := vgimg.New(w, h)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(rows), Cols: len(metrics), PadX: vg.Inch / 5, PadY: vg.Inch / 5,
		PadTop: vg.Inch / 10, PadBottom: vg.Inch / 10, PadLeft: vg.Inch / 10, PadRight: vg.Inch / 10}
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		for j := range plots[i] {
			plots[i][j].Draw(canvases[i][j])
		}
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// barChart draws metric m of one GOMAXPROCS's results.
func barChart(row []result, m metric) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s\nGOMAXPROCS=%d, ratio to isolate", m.title, row[0].GOMAXPROCS)
	var vs plotter.Values
	var names []string
	for _, r := range row {
		v := 0.0
		if x := m.value(r); x != nil {
			v = *x
		}
		vs = append(vs, v)
		names = append(names, r.Impl)
	}
	bars, err := plotter.NewBarChart(vs, vg.Points(18))
	if err != nil {
		return nil, err
	}
	bars.LineStyle.Width = 0
	bars.Color = plotter.DefaultLineStyle.Color
	labels, err := barLabels(vs)
	if err != nil {
		return nil, err
	}
	one := plotter.NewFunction(func(float64) float64 { return 1 })
	one.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
	p.Add(bars, one, labels)
	p.NominalX(names...)
	p.X.Tick.Label.Rotation = 0.5
	p.X.Tick.Label.XAlign = draw.XRight
	p.Y.Min = 0
	return p, nil
}

// barLabels writes each bar's value above it.
func barLabels(vs plotter.Values) (*plotter.Labels, error) {
	xys := plotter.XYLabels{XYs: make(plotter.XYs, len(vs)), Labels: make([]string, len(vs))}
	for i, v := range vs {
		xys.XYs[i] = plotter.XY{X: float64(i), Y: v}
		xys.Labels[i] = fmt.Sprintf("%.2f", v)
	}
	l, err := plotter.NewLabels(xys)
	if err != nil {
		return nil, err
	}
	for i := range l.TextStyle {
		l.TextStyle[i].XAlign = draw.XCenter
		l.TextStyle[i].YAlign = draw.YBottom
	}
	return l, nil
}
