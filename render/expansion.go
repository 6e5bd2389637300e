package render

import (
	"fmt"
	"maps"
	"math"
	"path"
	"slices"
	"strings"
	"text/template/parse"

	chart "helm.sh/helm/v4/pkg/chart/v2"

	"github.com/syncgate/syncgate/manifest"
)

// Helm cannot be stopped while it executes templates, and each include
// returns its whole output as a string: a chain of named templates that
// each include the one below twice grows as 2^depth before the first byte
// reaches syncgate. So a chart's templates are measured before Helm runs
// them, on their parse trees: how many named templates they would expand
// (include, template, and tpl of a constant text) and how many bytes of
// constant text those expansions write.
//
// The figures are upper bounds for what the parse trees say: both branches
// of if, with and range count as the larger one, a range over a constant
// (range 5, until 5, untilStep) counts its iterations, and a template
// defined twice (a subchart's and its parent's) counts as the larger
// definition. They do not see what depends on values: a range over a
// list from values counts once, an include whose name is computed and a
// tpl of computed text count as one call, and recursion, which Helm cuts
// at a depth of 1000, counts as one pass. Those stay bounded by the render
// worker's memory and time limits.
const (
	// maxTemplateCalls bounds the named-template expansions of one chart.
	// Of 137 real charts measured (kyverno, cert-manager, kueue,
	// gatekeeper, external-secrets, sealed-secrets, Argo CD's and Helm's
	// test charts; see TestTemplateExpansionRealCharts) kyverno v1.19.1
	// expands the most: 2,712. A chain of 20 templates that each include
	// the next twice expands about 2^21.
	maxTemplateCalls = 1_000_000
	// maxTemplateText bounds the constant text one chart's templates write,
	// counting every expansion. The most measured is kyverno's 3.5 MB,
	// most of it CRDs.
	maxTemplateText = 64 << 20
)

// templateCost is what executing a template costs at most: named-template
// expansions and bytes of constant text. Arithmetic saturates.
type templateCost struct {
	calls, text int64
}

func (c templateCost) plus(d templateCost) templateCost {
	return templateCost{satAdd(c.calls, d.calls), satAdd(c.text, d.text)}
}

func (c templateCost) times(n int64) templateCost {
	return templateCost{satMul(c.calls, n), satMul(c.text, n)}
}

func (c templateCost) max(d templateCost) templateCost {
	return templateCost{max(c.calls, d.calls), max(c.text, d.text)}
}

func (c templateCost) over() bool { return c.calls > maxTemplateCalls || c.text > maxTemplateText }

func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func satMul(a, n int64) int64 {
	if a != 0 && n > math.MaxInt64/a {
		return math.MaxInt64
	}
	return a * n
}

// templateDef is one body a template name can have: a template file or a
// define block.
type templateDef struct {
	name string
	file string // repository-relative
	line int
	root *parse.ListNode
}

// expansion measures the templates of one chart and its subcharts, which
// Helm parses into one template set.
type expansion struct {
	defs     map[string][]*templateDef
	rendered []*templateDef // the files Helm executes
	tpl      map[string]*parse.Tree
	// After link: each name's strongly connected component and cost.
	scc  map[string]int
	cost map[string]templateCost
}

// templateExpansion measures the templates of chart ch, loaded from the
// repository directory dir, and refuses them past maxTemplateCalls or
// maxTemplateText, naming the first template, in file order, that
// crosses the bound with callees that stay within it. Templates that do
// not parse are left to Helm, which reports them.
func templateExpansion(dir string, ch *chart.Chart) (templateCost, error) {
	e := &expansion{defs: map[string][]*templateDef{}, tpl: map[string]*parse.Tree{}}
	if !e.addChart(dir, ch) {
		return templateCost{}, nil
	}
	e.link()
	var total templateCost
	for _, d := range e.rendered {
		total = total.plus(e.body(d.name, d.root))
	}
	if !total.over() {
		return total, nil
	}
	var all []*templateDef
	for _, defs := range e.defs {
		all = append(all, defs...)
	}
	slices.SortFunc(all, cmpDefs)
	for _, d := range all {
		c := e.body(d.name, d.root)
		if c.over() && !e.calleeOver(d.name, d.root) {
			return total, &manifest.SourceError{File: d.file, Line: d.line, Err: fmt.Errorf(
				"%w: template %q would expand %d named templates and write %d bytes of text; the bounds are %d and %d",
				manifest.ErrLimit, d.name, c.calls, c.text, maxTemplateCalls, maxTemplateText)}
		}
	}
	return total, &manifest.SourceError{File: path.Join(dir, "Chart.yaml"), Err: fmt.Errorf(
		"%w: the templates of chart %q would expand %d named templates and write %d bytes of text; the bounds are %d and %d",
		manifest.ErrLimit, ch.Name(), total.calls, total.text, maxTemplateCalls, maxTemplateText)}
}

func cmpDefs(a, b *templateDef) int {
	if c := strings.Compare(a.file, b.file); c != 0 {
		return c
	}
	if a.line != b.line {
		return a.line - b.line
	}
	return strings.Compare(a.name, b.name)
}

// addChart parses the templates of ch and its subcharts as Helm names
// them, chart path first. It reports false if one does not parse.
func (e *expansion) addChart(dir string, ch *chart.Chart) bool {
	for _, sub := range ch.Dependencies() {
		if !e.addChart(dir, sub) {
			return false
		}
	}
	top := ch
	for top.Parent() != nil {
		top = top.Parent()
	}
	for _, f := range ch.Templates {
		if ch.Metadata != nil && ch.Metadata.Type == "library" && !strings.HasPrefix(path.Base(f.Name), "_") {
			continue // Helm skips them too
		}
		name := path.Join(ch.ChartFullPath(), f.Name)
		file := chartFile(dir, top.Name(), name)
		trees, ok := parseTemplate(name, string(f.Data))
		if !ok {
			return false
		}
		for _, t := range trees {
			d := e.add(t, file, nodeLine(string(f.Data), t.Root))
			if t.Name == name && !strings.HasPrefix(path.Base(f.Name), "_") {
				e.rendered = append(e.rendered, d)
			}
		}
	}
	return true
}

// parseTemplate parses text as Helm does, without checking function
// names, and returns its trees in name order.
func parseTemplate(name, text string) ([]*parse.Tree, bool) {
	set := map[string]*parse.Tree{}
	t := parse.New(name)
	t.Mode = parse.SkipFuncCheck
	if _, err := t.Parse(text, "", "", set); err != nil {
		return nil, false
	}
	trees := make([]*parse.Tree, 0, len(set))
	for _, n := range slices.Sorted(maps.Keys(set)) {
		trees = append(trees, set[n])
	}
	return trees, true
}

// nodeLine is the line of n in text.
func nodeLine(text string, n *parse.ListNode) int {
	if n == nil || int(n.Pos) > len(text) {
		return 1
	}
	return 1 + strings.Count(text[:n.Pos], "\n")
}

// add records a tree as a definition of its name, and the defines of
// every constant tpl text it holds, which take its line.
func (e *expansion) add(t *parse.Tree, file string, line int) *templateDef {
	d := &templateDef{name: t.Name, file: file, line: line, root: t.Root}
	e.defs[t.Name] = append(e.defs[t.Name], d)
	walkCalls(t.Root, func(c call) {
		if !c.tpl || e.tpl[c.name] != nil {
			return
		}
		trees, ok := parseTemplate(t.Name, c.name)
		if !ok {
			return // tpl fails when it runs
		}
		for _, tt := range trees {
			if tt.Name == t.Name {
				e.tpl[c.name] = tt
				continue
			}
			e.add(tt, file, line)
		}
	})
	return d
}

// call is an include or template of a constant name, or a tpl of a
// constant text (name holds the text).
type call struct {
	name string
	tpl  bool
}

// walkCalls calls fn for each call in n, in order.
func walkCalls(n parse.Node, fn func(call)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				walkCalls(c, fn)
			}
		}
	case *parse.ActionNode:
		walkCalls(n.Pipe, fn)
	case *parse.PipeNode:
		if n != nil {
			for _, c := range n.Cmds {
				walkCalls(c, fn)
			}
		}
	case *parse.CommandNode:
		if c, ok := commandCall(n); ok {
			fn(c)
		}
		for _, a := range n.Args {
			walkCalls(a, fn)
		}
	case *parse.ChainNode:
		walkCalls(n.Node, fn)
	case *parse.IfNode:
		walkBranch(&n.BranchNode, fn)
	case *parse.WithNode:
		walkBranch(&n.BranchNode, fn)
	case *parse.RangeNode:
		walkBranch(&n.BranchNode, fn)
	case *parse.TemplateNode:
		fn(call{name: n.Name})
		walkCalls(n.Pipe, fn)
	}
}

func walkBranch(b *parse.BranchNode, fn func(call)) {
	walkCalls(b.Pipe, fn)
	walkCalls(b.List, fn)
	walkCalls(b.ElseList, fn)
}

// commandCall reports the call a command makes: include or tpl with a
// constant first argument.
func commandCall(n *parse.CommandNode) (call, bool) {
	if len(n.Args) < 2 {
		return call{}, false
	}
	fn, ok := n.Args[0].(*parse.IdentifierNode)
	if !ok {
		return call{}, false
	}
	s, ok := n.Args[1].(*parse.StringNode)
	if !ok {
		return call{}, false
	}
	switch fn.Ident {
	case "include":
		return call{name: s.Text}, true
	case "tpl":
		return call{name: s.Text, tpl: true}, true
	}
	return call{}, false
}

// link finds the strongly connected components of the call graph
// (Tarjan's algorithm) and computes the cost of every name, callees
// first. A call inside a component counts as one call: Helm's recursion
// depends on values.
func (e *expansion) link() {
	e.scc = map[string]int{}
	e.cost = map[string]templateCost{}
	index := map[string]int{}
	low := map[string]int{}
	var stack []string
	onStack := map[string]bool{}
	var visit func(string)
	visit = func(v string) {
		index[v] = len(index)
		low[v] = index[v]
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range e.callees(v) {
			if _, seen := index[w]; !seen {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] != index[v] {
			return
		}
		var members []string
		for {
			w := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			onStack[w] = false
			e.scc[w] = index[v]
			members = append(members, w)
			if w == v {
				break
			}
		}
		// Every callee outside the component has its cost already.
		for _, m := range members {
			var c templateCost
			for _, d := range e.defs[m] {
				c = c.max(e.body(m, d.root))
			}
			e.cost[m] = c
		}
	}
	for _, name := range slices.Sorted(maps.Keys(e.defs)) {
		if _, seen := index[name]; !seen {
			visit(name)
		}
	}
}

// callees lists the defined names the definitions of name call, in order.
func (e *expansion) callees(name string) []string {
	var out []string
	var add func(parse.Node)
	add = func(n parse.Node) {
		walkCalls(n, func(c call) {
			switch {
			case c.tpl:
				if t := e.tpl[c.name]; t != nil {
					add(t.Root)
				}
			case e.defs[c.name] != nil:
				out = append(out, c.name)
			}
		})
	}
	for _, d := range e.defs[name] {
		add(d.root)
	}
	return out
}

// body is the cost of executing one body of the template name.
func (e *expansion) body(name string, n parse.Node) templateCost {
	switch n := n.(type) {
	case *parse.ListNode:
		var c templateCost
		if n != nil {
			for _, x := range n.Nodes {
				c = c.plus(e.body(name, x))
			}
		}
		return c
	case *parse.TextNode:
		return templateCost{text: int64(len(n.Text))}
	case *parse.ActionNode:
		return e.body(name, n.Pipe)
	case *parse.PipeNode:
		var c templateCost
		if n != nil {
			for _, x := range n.Cmds {
				c = c.plus(e.body(name, x))
			}
		}
		return c
	case *parse.CommandNode:
		var c templateCost
		for _, a := range n.Args {
			c = c.plus(e.body(name, a))
		}
		if cl, ok := commandCall(n); ok {
			c = c.plus(e.call(name, cl))
		} else if isIdent(n, "include", "tpl") {
			c = c.plus(templateCost{calls: 1})
		}
		return c
	case *parse.ChainNode:
		return e.body(name, n.Node)
	case *parse.IfNode:
		return e.branch(name, &n.BranchNode, 1)
	case *parse.WithNode:
		return e.branch(name, &n.BranchNode, 1)
	case *parse.RangeNode:
		return e.branch(name, &n.BranchNode, rangeCount(n.Pipe))
	case *parse.TemplateNode:
		return e.body(name, n.Pipe).plus(e.call(name, call{name: n.Name}))
	}
	return templateCost{}
}

func (e *expansion) branch(name string, b *parse.BranchNode, times int64) templateCost {
	return e.body(name, b.Pipe).plus(e.body(name, b.List).times(times).max(e.body(name, b.ElseList)))
}

// call is the cost of one call from the template from.
func (e *expansion) call(from string, c call) templateCost {
	one := templateCost{calls: 1}
	if c.tpl {
		if t := e.tpl[c.name]; t != nil {
			return one.plus(e.body(from, t.Root))
		}
		return one
	}
	if e.defs[c.name] == nil || e.scc[c.name] == e.scc[from] {
		return one
	}
	return one.plus(e.cost[c.name])
}

// calleeOver reports whether a call in n, or in the constant tpl texts it
// holds, goes to a template over the bound.
func (e *expansion) calleeOver(from string, n parse.Node) bool {
	over := false
	walkCalls(n, func(c call) {
		switch {
		case c.tpl:
			if t := e.tpl[c.name]; t != nil && e.calleeOver(from, t.Root) {
				over = true
			}
		case e.defs[c.name] != nil && e.scc[c.name] != e.scc[from] && e.cost[c.name].over():
			over = true
		}
	})
	return over
}

func isIdent(n *parse.CommandNode, names ...string) bool {
	id, ok := n.Args[0].(*parse.IdentifierNode)
	return ok && slices.Contains(names, id.Ident)
}

// rangeCount is how many times a range over pipe runs its body when the
// pipe is a constant: an integer, until N or untilStep A B S. Otherwise it
// depends on values, and counts once.
func rangeCount(pipe *parse.PipeNode) int64 {
	if pipe == nil || len(pipe.Cmds) != 1 {
		return 1
	}
	args := pipe.Cmds[0].Args
	nums := make([]int64, 0, 3)
	for _, a := range args[min(1, len(args)):] {
		n, ok := a.(*parse.NumberNode)
		if !ok || !n.IsInt {
			return 1
		}
		nums = append(nums, n.Int64)
	}
	count := 1.0
	switch id, _ := args[0].(*parse.IdentifierNode); {
	case len(args) == 1:
		if n, ok := args[0].(*parse.NumberNode); ok && n.IsInt {
			count = float64(n.Int64)
		}
	case id == nil:
	case id.Ident == "until" && len(nums) == 1:
		count = math.Abs(float64(nums[0])) // until -3 is 0 -1 -2
	case id.Ident == "untilStep" && len(nums) == 3 && nums[2] != 0:
		count = math.Ceil((float64(nums[1]) - float64(nums[0])) / float64(nums[2]))
	}
	return int64(min(max(count, 1), math.MaxInt64))
}

// chartFile is the repository path of a file Helm names by its chart
// path (web/templates/cm.yaml) in the chart at dir named chartName.
func chartFile(dir, chartName, name string) string {
	return path.Join(dir, strings.TrimPrefix(name, chartName+"/"))
}
