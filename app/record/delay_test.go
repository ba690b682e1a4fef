package record

import (
	"reflect"
	"testing"

	"chunkscope/app/wire"
)

// TestDelaysByOffset: every byte of the body gets the delay between the
// write that carried it and the read that got it — the shapes the chart's
// delay plot draws.
func TestDelaysByOffset(t *testing.T) {
	withSends := func(chunks []Chunk, sent []wire.Send) *Run {
		r := run(nil, 200, chunks...)
		r.Sent = sent
		return r
	}
	tests := []struct {
		name string
		run  *Run
		want []Delay
	}{
		{"a read per write, 1 ms after it: flat", withSends(reads(3, 10, 101, 100), sends(3, 10, 100, 100, true)),
			[]Delay{{0, 10, 1}, {10, 10, 1}, {20, 10, 1}}},
		{"four writes held and read as one: a sawtooth from 300 ms down to 0", withSends(reads(1, 40, 400, 0), sends(4, 10, 100, 100, false)),
			[]Delay{{0, 10, 300}, {10, 10, 200}, {20, 10, 100}, {30, 10, 0}}},
		{"one write read in three pieces", withSends(reads(3, 10, 5, 10), sends(1, 30, 0, 0, true)),
			[]Delay{{0, 10, 5}, {10, 10, 15}, {20, 10, 25}}},
		{"a read across two writes is split at the write's end", withSends([]Chunk{{T: 50, N: 15}, {T: 60, N: 5}}, sends(2, 10, 0, 20, true)),
			[]Delay{{0, 10, 50}, {10, 5, 30}, {15, 5, 40}}},
		{"compressed: 2 written bytes per 10 read, matched by fraction", withSends(reads(2, 10, 10, 100), sends(2, 2, 0, 100, true)),
			[]Delay{{0, 10, 10}, {10, 10, 10}}},
		{"gzip: a header write, then each flush notes the plain bytes it completes", withSends(reads(2, 100, 101, 100),
			[]wire.Send{{T: 0, N: 10}, {T: 100, N: 30, Plain: 100}, {T: 200, N: 25, Plain: 200}}),
			[]Delay{{0, 100, 1}, {100, 100, 1}}},
		{"no send log", withSends(reads(2, 10, 10, 100), nil), nil},
		{"no body", withSends(nil, sends(1, 0, 0, 0, true)), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Delays(tc.run)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Delays = %v, want %v", got, tc.want)
			}
			// Every byte read is covered once, in order.
			var off int64
			for _, d := range got {
				if d.Off != off || d.N <= 0 {
					t.Fatalf("stretch %+v after %d bytes: want contiguous, non-empty", d, off)
				}
				off += d.N
			}
			if got != nil && off != tc.run.Bytes {
				t.Errorf("stretches cover %d bytes of %d", off, tc.run.Bytes)
			}
		})
	}
}

// TestBursts: a burst is reads back to back; a stream paced at 20 ms is a
// burst per read, a buffer letting go is one burst however many reads.
func TestBursts(t *testing.T) {
	tests := []struct {
		name  string
		reads []Chunk
		want  []int64
	}{
		{"a read every 20 ms", reads(4, 155, 20, 20), []int64{155, 155, 155, 155}},
		{"two releases of 2 KiB in 4 reads each, 1.4 s apart", append(reads(4, 512, 1400, 0.2), reads(4, 512, 2800, 0.2)...), []int64{2048, 2048}},
		{"one read", reads(1, 305, 1000, 0), []int64{305}},
		{"no read", nil, nil},
	}
	for _, tc := range tests {
		if got := Bursts(tc.reads); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: bursts %v; want %v", tc.name, got, tc.want)
		}
	}
}
