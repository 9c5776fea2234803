package backups

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// bakCronHorizon is how far ahead bakScheduleGap looks: eight years cover the leap-year cycle,
// so a schedule on 29 February is seen to run.
const bakCronHorizon = 8 * 366 * 24 * time.Hour

// bakCronParser reads schedules as Velero and the Kubernetes CronJob controller do, both with
// robfig/cron: five fields, the @ descriptors and @every.
var bakCronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// bakCronStar is the bit robfig/cron sets in a field written * or ?, which changes how day of
// month and day of week combine.
const bakCronStar = 1 << 63

// bakDayNames turns day-of-week names into numbers for bakSundaySeven.
var bakDayNames = strings.NewReplacer("sun", "0", "mon", "1", "tue", "2", "wed", "3", "thu", "4", "fri", "5", "sat", "6")

// bakCronField is the set of values one cron field allows; star records an unrestricted field.
type bakCronField struct {
	bits uint64
	star bool
}

func bakField(bits uint64) bakCronField {
	return bakCronField{bits: bits &^ bakCronStar, star: bits&bakCronStar != 0}
}

func (f bakCronField) has(v int) bool { return f.bits&(1<<uint(v)) != 0 }

// bakScheduleGap returns the longest time between two consecutive runs of a cron schedule as
// Velero and Kubernetes CronJobs read it. Runs are laid out in UTC; a CRON_TZ or TZ prefix moves
// them but changes gaps by a DST hour at most, so the zone is not loaded. Descriptors are read
// regardless of case. A schedule that runs fewer than twice in bakCronHorizon gets the horizon as
// its gap.
func bakScheduleGap(schedule string, from time.Time) (time.Duration, error) {
	spec := strings.TrimSpace(schedule)
	if strings.HasPrefix(spec, "CRON_TZ=") || strings.HasPrefix(spec, "TZ=") {
		_, rest, ok := strings.Cut(spec, " ")
		if !ok {
			return 0, fmt.Errorf("a time zone but no schedule")
		}
		spec = strings.TrimSpace(rest)
	}
	if strings.HasPrefix(spec, "@") && !strings.HasPrefix(spec, "@every ") {
		spec = strings.ToLower(spec)
	}
	sched, err := bakParseCron(spec)
	if err != nil {
		return 0, err
	}
	switch s := sched.(type) {
	case cron.ConstantDelaySchedule:
		return s.Delay, nil
	case *cron.SpecSchedule:
		return bakCronLongestGap(s, from), nil
	}
	return 0, fmt.Errorf("unsupported schedule %q", schedule)
}

// bakParseCron parses spec with robfig/cron, which reads day of week as 0-6. cron(8) also takes
// 7 for Sunday, and so do the checks: a day-of-week field robfig rejects is read again by
// bakSundaySeven, and robfig's error stands when that fails too.
func bakParseCron(spec string) (cron.Schedule, error) {
	sched, err := bakCronParser.Parse(spec)
	if err == nil || strings.HasPrefix(spec, "@") {
		return sched, err
	}
	fields := strings.Fields(spec)
	if len(fields) != 5 {
		return nil, err
	}
	dow, ok := bakSundaySeven(fields[4])
	if !ok {
		return nil, err
	}
	fields[4] = "*"
	rest, restErr := bakCronParser.Parse(strings.Join(fields, " "))
	if restErr != nil {
		return nil, err
	}
	s := rest.(*cron.SpecSchedule)
	s.Dow = dow
	return s, nil
}

// bakSundaySeven reads a day-of-week field in which 7 may stand for Sunday. Each item robfig
// rejects as a day of week is read as a minute, whose range covers 7, with the day names turned
// into numbers; it must stay within 0-7, and 7 is folded onto 0. Items written * or ? never get
// here: robfig reads them as days of week.
func bakSundaySeven(field string) (uint64, bool) {
	var bits uint64
	for _, item := range strings.Split(field, ",") {
		if s, err := bakCronParser.Parse("0 0 * * " + item); err == nil {
			bits |= s.(*cron.SpecSchedule).Dow
			continue
		}
		item = bakDayNames.Replace(strings.ToLower(item))
		if rng, step, ok := strings.Cut(item, "/"); ok && !strings.Contains(rng, "-") {
			item = rng + "-7/" + step // "N/step" runs to the end of the day-of-week range, not the minute's
		}
		s, err := bakCronParser.Parse(item + " 0 * * *")
		if err != nil {
			return 0, false
		}
		b := s.(*cron.SpecSchedule).Minute
		if b&^0xff != 0 {
			return 0, false
		}
		if b&(1<<7) != 0 {
			b = b&^(1<<7) | 1
		}
		bits |= b
	}
	return bits, true
}

// bakCronLongestGap lays the runs of a parsed schedule out over bakCronHorizon from the day of
// from and returns the longest gap between two of them.
func bakCronLongestGap(s *cron.SpecSchedule, from time.Time) time.Duration {
	minute, hour, dom, month, dow := bakField(s.Minute), bakField(s.Hour), bakField(s.Dom), bakField(s.Month), bakField(s.Dow)
	var times []int // minutes after midnight at which a matching day has a run
	for h := 0; h < 24; h++ {
		for m := 0; m < 60; m++ {
			if hour.has(h) && minute.has(m) {
				times = append(times, h*60+m)
			}
		}
	}
	longest := 0
	for i := 1; i < len(times); i++ {
		longest = max(longest, times[i]-times[i-1])
	}
	day := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	horizonDays := int(bakCronHorizon / (24 * time.Hour))
	prev, runDays := -1, 0
	for i := 0; i < horizonDays; i++ {
		d := day.AddDate(0, 0, i)
		if !month.has(int(d.Month())) || !bakCronDayMatches(dom, dow, d) {
			continue
		}
		if prev >= 0 {
			longest = max(longest, (i-prev)*24*60+times[0]-times[len(times)-1])
		}
		prev = i
		runDays++
	}
	if runDays < 2 {
		return bakCronHorizon
	}
	return time.Duration(longest) * time.Minute
}

// bakCronDayMatches follows cron: when both day fields are restricted, either may match.
func bakCronDayMatches(dom, dow bakCronField, d time.Time) bool {
	domMatch, dowMatch := dom.has(d.Day()), dow.has(int(d.Weekday()))
	if dom.star || dow.star {
		return domMatch && dowMatch
	}
	return domMatch || dowMatch
}
