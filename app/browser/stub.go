//go:build !(js && wasm)

package browser

import (
	"context"
	"errors"
	"time"

	"chunkscope/app/record"
	"chunkscope/app/scene"
	"chunkscope/app/wire"
)

var errNoBrowser = errors.New("browser: only available in the wasm build")

// Read is only available in the browser.
func Read(ctx context.Context, req Request, p Progress) (Result, error) {
	return Result{}, errNoBrowser
}

// Expose is only available in the browser.
func Expose(api API) {}

// Now is only meaningful in the browser; here it is the wall clock in ms.
func Now() float64 { return float64(time.Now().UnixNano()) / 1e6 }

// UAMeasurement is only available in the browser.
type UAMeasurement struct{}

// Wait is only available in the browser.
func (*UAMeasurement) Wait(ctx context.Context) (record.UAMemory, error) {
	return record.UAMemory{}, errNoBrowser
}

// ReadWire is only available in the browser.
func ReadWire(ctx context.Context, url string, onEvents func([]wire.Event)) (wire.Summary, error) {
	return wire.Summary{}, errNoBrowser
}

// MemorySources is only available in the browser.
func MemorySources() string { return "" }

func width(id string) float64 { return 1000 }

func paint(id string, sc scene.Scene) {}
