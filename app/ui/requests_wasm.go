//go:build js && wasm

package ui

import "github.com/maxence-charriere/go-app/v9/pkg/app"

// jsOut is a value a js.FuncOf callback can return: syscall/js takes a
// js.Value, not go-app's wrapper of one.
func jsOut(v app.Value) any { return app.JSValue(v) }
