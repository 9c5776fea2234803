package operator

import (
	"reflect"
	"testing"
)

func TestWithClobberFree(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      []string
		want    []string
		changed bool
	}{
		{"no GODEBUG", []string{"HOME=/"}, []string{"HOME=/", "GODEBUG=clobberfree=1"}, true},
		{"empty GODEBUG", []string{"GODEBUG="}, []string{"GODEBUG=clobberfree=1"}, true},
		{"other settings kept", []string{"GODEBUG=http2client=0", "A=b"}, []string{"GODEBUG=http2client=0,clobberfree=1", "A=b"}, true},
		{"already on", []string{"GODEBUG=clobberfree=1"}, []string{"GODEBUG=clobberfree=1"}, false},
		{"turned off by the user", []string{"GODEBUG=madvdontneed=1,clobberfree=0"}, []string{"GODEBUG=madvdontneed=1,clobberfree=0"}, false},
		{"a similar name is not it", []string{"GODEBUG_X=clobberfree=0"}, []string{"GODEBUG_X=clobberfree=0", "GODEBUG=clobberfree=1"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]string(nil), tc.in...)
			got, changed := WithClobberFree(in)
			if !reflect.DeepEqual(got, tc.want) || changed != tc.changed {
				t.Errorf("WithClobberFree(%q) = %q, %v; want %q, %v", tc.in, got, changed, tc.want, tc.changed)
			}
			if !reflect.DeepEqual(in, tc.in) {
				t.Errorf("the input was modified: %q", in)
			}
		})
	}
}
