package ui

import (
	"fmt"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"chunkscope/app/spec"
)

// explanations explains what the current view runs, right under its
// cards, then keeps the whole scenario table one click away.
type explanations struct {
	app.Compo

	Icurrent []string // scenario names of the view, in lane order
	Iclasses []string // their lanes' color classes
}

func newExplanations() *explanations { return &explanations{} }

// Current sets the view's scenarios and their lanes' color classes.
func (x *explanations) Current(names, classes []string) *explanations {
	x.Icurrent, x.Iclasses = names, classes
	return x
}

// method prefixes a path with its method when it is not GET.
func method(sc spec.Scenario) string {
	if sc.Method == "" {
		return ""
	}
	return sc.Method + " "
}

func (x *explanations) Render() app.UI {
	var current []spec.Scenario
	class := map[string]string{}
	for i, name := range x.Icurrent {
		if sc, ok := spec.Lookup(name); ok && !containsScenario(current, name) {
			current = append(current, sc)
			class[name] = x.Iclasses[i]
		}
	}
	all := spec.Scenarios()
	paragraph := func(sc spec.Scenario) app.UI {
		return app.Div().Class("scenario").Body(
			app.H4().Class(class[sc.Name]).Text(sc.Title+" — "+method(sc)+sc.Path),
			app.P().Text(sc.Explain),
		)
	}
	return app.Section().Class("explain").Body(
		app.Range(current).Slice(func(i int) app.UI { return paragraph(current[i]) }),
		app.P().Class("note").Text("What the chart shows: each tick is one reader.read() that returned bytes in the browser, "+
			"stamped with performance.now() from the moment the request was sent. Browser read() pieces are not HTTP chunks: "+
			"the network stack merges what arrives close together and splits large chunks, so a fast stream of many small "+
			"chunks shows as a few large reads. The wire itself is what shows the chunks: tick \"probe the wire too\"."),
		app.Details().ID("all-scenarios").Body(
			app.Summary().Text(fmt.Sprintf("Every scenario (%d)", len(all))),
			app.Range(all).Slice(func(i int) app.UI { return paragraph(all[i]) }),
		),
	)
}

func containsScenario(list []spec.Scenario, name string) bool {
	for _, sc := range list {
		if sc.Name == name {
			return true
		}
	}
	return false
}
