package cli

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

// DocsURL is the published check catalog; each check has an anchor of its lower-case ID.
const DocsURL = "https://github.com/kubeposture/kubeposture/blob/main/docs/checks.md"

// HelpURI returns the address of a check's entry in the catalog.
func HelpURI(id string) string { return DocsURL + "#" + strings.ToLower(id) }

func checkByID(id string) (benchmarks.Check, bool) {
	for _, c := range benchmarks.All() {
		if strings.EqualFold(c.ID, id) {
			return c, true
		}
	}
	return benchmarks.Check{}, false
}

func checkIDs(prefix string) []string {
	var out []string
	for _, c := range benchmarks.All() {
		if strings.HasPrefix(strings.ToUpper(c.ID), strings.ToUpper(prefix)) {
			out = append(out, c.ID+"\t"+c.Title)
		}
	}
	return out
}

func newExplainCommand(streams IO) *cobra.Command {
	return &cobra.Command{
		Use:     "explain CHECK-ID",
		Short:   "Describe one check: what it requires, why, and how to fix a failure",
		Example: `  kubeposture explain WKL-001`,
		Args:    cobra.ExactArgs(1),
		ValidArgsFunction: func(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return checkIDs(toComplete), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(_ *cobra.Command, args []string) error {
			c, ok := checkByID(args[0])
			if !ok {
				return usageErr("no check %q; `kubeposture checks` lists them", args[0])
			}
			w := streams.Out
			fmt.Fprintf(w, "%s  %s\n\n", c.ID, c.Title)
			level := c.Level.String()
			if c.LevelDependent {
				level += " (stricter at higher levels)"
			}
			fmt.Fprintf(w, "Level:       %s\nSeverity:    %s\nDomain:      %s\n", level, c.Severity, c.Domain)
			if refs := c.References.String(); refs != "" {
				fmt.Fprintf(w, "References:  %s\n", refs)
			}
			if c.AutoRemediation != "" {
				fmt.Fprintf(w, "Automated remediation: yes, the operator's %s action\n", c.AutoRemediationText())
			} else {
				fmt.Fprintln(w, "Automated remediation: no")
			}
			fmt.Fprintf(w, "\nRationale:\n  %s\n\nRemediation:\n  %s\n\nMore: %s\n", c.Rationale, c.Remediation, HelpURI(c.ID))
			return nil
		},
	}
}

func newChecksCommand(streams IO) *cobra.Command {
	var level, domain string
	var exact bool
	cmd := &cobra.Command{
		Use:   "checks [flags]",
		Short: "List the checks, by level and domain",
		Example: `  kubeposture checks --level L1
  kubeposture checks --domain Workloads --level L2 --exact`,
		Args: cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			var lvl benchmarks.Level
			if level != "" {
				l, err := benchmarks.ParseLevel(level)
				if err != nil {
					return usageErr("%v", err)
				}
				lvl = l
			}
			var dom benchmarks.Domain
			if domain != "" {
				for _, d := range benchmarks.Domains {
					if strings.EqualFold(string(d), domain) || strings.EqualFold(d.IDPrefix(), domain) {
						dom = d
					}
				}
				if dom == "" {
					return usageErr("unknown domain %q: use one of %s", domain, domainNames())
				}
			}
			checks := benchmarks.All()
			sort.SliceStable(checks, func(i, j int) bool { return checks[i].ID < checks[j].ID })
			tw := tabwriter.NewWriter(streams.Out, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tLEVEL\tSEVERITY\tDOMAIN\tREMEDIATION\tTITLE")
			n := 0
			for _, c := range checks {
				if lvl != 0 && (c.Level > lvl || exact && c.Level != lvl) {
					continue
				}
				if dom != "" && c.Domain != dom {
					continue
				}
				auto := "-"
				if c.AutoRemediation != "" {
					auto = "auto"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Level, c.Severity, c.Domain, auto, c.Title)
				n++
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(streams.Out, "\n%d %s.\n", n, plural(n, "check", "checks"))
			return nil
		},
	}
	cmd.Flags().StringVar(&level, "level", "", "only checks that run at this level (L1, L2 or L3; levels are cumulative)")
	cmd.Flags().BoolVar(&exact, "exact", false, "with --level: only the checks introduced at that level")
	cmd.Flags().StringVar(&domain, "domain", "", "only checks of this domain (name or ID prefix: Workloads or WKL)")
	_ = cmd.RegisterFlagCompletionFunc("level", cobra.FixedCompletions([]string{"L1", "L2", "L3"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("domain", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, d := range benchmarks.Domains {
			out = append(out, string(d))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func domainNames() string {
	var out []string
	for _, d := range benchmarks.Domains {
		out = append(out, string(d))
	}
	return strings.Join(out, ", ")
}
