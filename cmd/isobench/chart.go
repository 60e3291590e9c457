package main

import (
	"fmt"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The chart: one panel per ratio to isolate (jobs/s, admin p99 latency, CPU
// per job), stacked; in each, one group of bars per workload (and settings,
// when a workload ran with several), one bar per implementation, and a
// dashed line at 1, isolate's level. Bars are cut at barCap, their labels
// are not.

// barCap is the tallest bar drawn, in ratios to isolate: an admin p99 of
// 60× isolate's would flatten every other bar.
const barCap = 4

// metric is one panel: a ratio of the results to isolate's.
type metric struct {
	title string
	value func(result) *float64
}

var metrics = []metric{
	{"jobs/s, ratio to isolate (higher is better)", func(r result) *float64 { return r.JobsRatio }},
	{"admin p99 latency, ratio to isolate (lower is better)", func(r result) *float64 { return r.AdminP99Ratio }},
	{"CPU per job, ratio to isolate (lower is better)", func(r result) *float64 { return r.CPURatio }},
}

// chartData is the results arranged for the chart: groups (one per key,
// in order) and implementations (in order), and the row of each pair.
type chartData struct {
	groups []string // labels
	impls  []string
	rows   map[int]map[string]result
}

func arrange(rs []result) chartData {
	d := chartData{rows: map[int]map[string]result{}}
	index := map[string]int{}
	perWorkload := map[string]int{}
	for _, r := range rs {
		if _, ok := index[r.key()]; !ok {
			index[r.key()] = len(d.groups)
			d.groups = append(d.groups, r.Workload)
			d.rows[len(d.groups)-1] = map[string]result{}
			perWorkload[r.Workload]++
		}
		g := index[r.key()]
		if _, ok := d.rows[g][r.Impl]; !ok && !contains(d.impls, r.Impl) {
			d.impls = append(d.impls, r.Impl)
		}
		d.rows[g][r.Impl] = r
	}
	// A workload with several settings gets them in its labels.
	for g := range d.groups {
		for _, r := range d.rows[g] {
			if perWorkload[r.Workload] > 1 {
				d.groups[g] = fmt.Sprintf("%s\nP=%d reads=%d\n%d members", r.Workload, r.GOMAXPROCS, r.Reads, r.Members)
			}
			break
		}
	}
	return d
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

// writeChart draws the ratios of rs to isolate's into a PNG file.
func writeChart(file string, rs []result) error {
	d := arrange(rs)
	plots := make([][]*plot.Plot, len(metrics))
	for i, m := range metrics {
		p, err := groupedBars(d, m)
		if err != nil {
			return err
		}
		plots[i] = []*plot.Plot{p}
	}
	w := vg.Length(max(8, 1.8*float64(len(d.groups)+1))) * vg.Inch
	h := vg.Length(len(metrics)) * 3.4 * vg.Inch
	img := vgimg.New(w, h)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(metrics), Cols: 1, PadY: vg.Inch / 5,
		PadTop: vg.Inch / 10, PadBottom: vg.Inch / 10, PadLeft: vg.Inch / 10, PadRight: vg.Inch / 10}
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		plots[i][0].Draw(canvases[i][0])
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

// groupedBars draws metric m: a group per workload, a bar per
// implementation.
func groupedBars(d chartData, m metric) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = m.title
	width := vg.Points(min(14, 72/float64(len(d.impls))))
	for j, impl := range d.impls {
		offset := vg.Length(float64(j)-float64(len(d.impls)-1)/2) * width
		vs := make(plotter.Values, len(d.groups))
		var labels plotter.XYLabels
		for g := range d.groups {
			r, ok := d.rows[g][impl]
			if v := m.value(r); ok && v != nil {
				vs[g] = min(*v, barCap)
				labels.XYs = append(labels.XYs, plotter.XY{X: float64(g), Y: vs[g]})
				labels.Labels = append(labels.Labels, fmt.Sprintf("%.2f", *v))
			}
		}
		bars, err := plotter.NewBarChart(vs, width)
		if err != nil {
			return nil, err
		}
		bars.LineStyle.Width = 0
		bars.Color = plotutil.Color(j)
		bars.Offset = offset
		p.Add(bars)
		p.Legend.Add(impl, bars)
		if len(labels.XYs) == 0 {
			continue
		}
		l, err := barLabels(labels, offset)
		if err != nil {
			return nil, err
		}
		p.Add(l)
	}
	one := plotter.NewFunction(func(float64) float64 { return 1 })
	one.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
	p.Add(one)
	p.Legend.Top = true
	p.Legend.Left = false
	p.NominalX(d.groups...)
	// Room on the right for the legend, and above the cap for labels.
	p.X.Max = float64(len(d.groups)) + 0.2
	p.Y.Min = 0
	p.Y.Max = barCap * 1.25
	return p, nil
}

// barLabels writes each bar's value above it, turned a quarter so that
// neighbouring labels do not overlap.
func barLabels(xys plotter.XYLabels, offset vg.Length) (*plotter.Labels, error) {
	l, err := plotter.NewLabels(xys)
	if err != nil {
		return nil, err
	}
	l.Offset = vg.Point{X: offset, Y: vg.Points(2)}
	for i := range l.TextStyle {
		l.TextStyle[i].Rotation = 1.5708 // π/2
		l.TextStyle[i].XAlign = draw.XLeft
		l.TextStyle[i].YAlign = draw.YCenter
		l.TextStyle[i].Font.Size = vg.Points(7)
	}
	return l, nil
}
