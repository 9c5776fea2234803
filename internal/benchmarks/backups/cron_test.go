package backups

import (
	"testing"
	"time"
)

func TestScheduleGap(t *testing.T) {
	from := time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	cases := []struct {
		schedule string
		want     time.Duration // 0 with wantErr
		wantErr  bool
	}{
		{schedule: "0 2 * * *", want: day},
		{schedule: "*/15 * * * *", want: 15 * time.Minute},
		{schedule: "0 2 * * 1-5", want: 3 * day},
		{schedule: "0 2 * * mon-fri", want: 3 * day},
		{schedule: "0 2 * * 0", want: 7 * day},
		{schedule: "0 2 * * sun", want: 7 * day},
		{schedule: "0 2 1,15 * *", want: 17 * day},
		{schedule: "0 2 1 * 1", want: 7 * day},         // both day fields restricted: either matches
		{schedule: "0 0 29 2 *", want: 1461 * day},     // leap days only
		{schedule: "0 0 30 2 *", want: bakCronHorizon}, // never runs
		{schedule: "@weekly", want: 7 * day},
		{schedule: "@daily", want: day},
		{schedule: "@Daily", want: day}, // descriptors are read regardless of case
		{schedule: "@every 336h", want: 336 * time.Hour},
		{schedule: "CRON_TZ=Asia/Shanghai 0 2 * * *", want: day},
		{schedule: "TZ=UTC", wantErr: true},
		{schedule: "every night at 2", wantErr: true},
		{schedule: "0 2 * *", wantErr: true},
		{schedule: "0 24 * * *", wantErr: true},
		{schedule: "0 2 * * 8", wantErr: true},
		{schedule: "0 2 * * */0", wantErr: true},
		// robfig/cron reads day of week as 0-6; 7 is Sunday too.
		{schedule: "0 2 * * 7", want: 7 * day},
		{schedule: "0 2 * * 0,7", want: 7 * day},
		{schedule: "0 2 * * 5-7", want: 5 * day},   // Friday to Sunday
		{schedule: "0 2 * * fri-7", want: 5 * day}, // a name and 7 in one range
		{schedule: "0 2 * * 1-7/2", want: 2 * day}, // Monday, Wednesday, Friday, Sunday
		{schedule: "0 2 * * 7/3", want: 7 * day},   // 7 to the end of the range: Sunday only
		{schedule: "0 2 * * 6-8", wantErr: true},
		// Where robfig/cron differs from the parser it replaced: @every below a second rounds up
		// to one second, as Velero's scheduler runs it, instead of being an error.
		{schedule: "@every 500ms", want: time.Second},
	}
	for _, tc := range cases {
		got, err := bakScheduleGap(tc.schedule, from)
		switch {
		case tc.wantErr && err == nil:
			t.Errorf("%q: gap %s, want an error", tc.schedule, got)
		case !tc.wantErr && err != nil:
			t.Errorf("%q: %v", tc.schedule, err)
		case got != tc.want:
			t.Errorf("%q: gap %s, want %s", tc.schedule, got, tc.want)
		}
	}
}
