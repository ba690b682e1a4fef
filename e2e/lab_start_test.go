package e2e

import (
	"strings"
	"testing"

	"chunkscope/internal/lab"
)

// startTheLab starts the lab's servers and proxies for one test and stops
// them when it ends; without the lab's Debian packages it skips with the
// command that installs them (make test installs them when run as root).
func startTheLab(t *testing.T) *lab.Lab {
	t.Helper()
	if missing := lab.Missing(); len(missing) > 0 {
		t.Skipf("the lab needs %s: %s", strings.Join(missing, ", "), lab.HowToInstall())
	}
	l, err := lab.Start(lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Stop)
	return l
}
