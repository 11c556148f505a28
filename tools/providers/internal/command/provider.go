// Package command implements the command:remote:Command resource of the
// Pulumi "command" provider (wire-compatible with @pulumi/command 1.2.1).
package command

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"local/haproxy-ha/providers/internal/plugin"
)

const (
	// Name is the provider's package name.
	Name = "command"
	// Version is the version reported to the engine (that of @pulumi/command).
	Version = "1.2.1"
	// RemoteCommand is the only resource type implemented.
	RemoteCommand = "command:remote:Command"
)

// Provider serves command:remote:Command.
type Provider struct {
	plugin.Base

	log plugin.Logger

	mu       sync.Mutex
	cancelCh chan struct{} // closed by Cancel
}

// New returns a provider that logs to log (nil: no logging).
func New(log plugin.Logger) *Provider {
	return &Provider{Base: plugin.Base{Name: Name, Version: Version, Description: "Runs commands on remote hosts over SSH (command:remote:Command only)."}, log: log, cancelCh: make(chan struct{})}
}

// opContext derives an operation context that also ends when Cancel is called
// or the operation's custom timeout elapses.
func (p *Provider) opContext(ctx context.Context, timeoutSeconds float64) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	if timeoutSeconds > 0 {
		var cancelT context.CancelFunc
		ctx, cancelT = context.WithTimeout(ctx, time.Duration(timeoutSeconds*float64(time.Second)))
		prev := cancel
		cancel = func() { cancelT(); prev() }
	}
	p.mu.Lock()
	ch := p.cancelCh
	p.mu.Unlock()
	go func() {
		select {
		case <-ch:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

func (p *Provider) logf(ctx context.Context, sev diag.Severity, urn string, format string, args ...any) {
	if p.log == nil {
		return
	}
	_ = p.log.Log(ctx, sev, resource.URN(urn), fmt.Sprintf(format, args...))
}

func (p *Provider) statusf(ctx context.Context, urn string, msg string) {
	if p.log == nil {
		return
	}
	_ = p.log.LogStatus(ctx, diag.Info, resource.URN(urn), msg)
}

func checkType(urn string) error {
	t := string(resource.URN(urn).Type())
	if t != RemoteCommand {
		return status.Errorf(codes.InvalidArgument,
			"unknown resource type %q: this command provider (a local reimplementation, version %s) only implements %s",
			t, Version, RemoteCommand)
	}
	return nil
}

// Check validates the inputs; they are returned unchanged.
func (p *Provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	news, err := plugin.Unmarshal("news", req.GetNews())
	if err != nil {
		return nil, err
	}
	var failures []*pulumirpc.CheckFailure
	if _, ok := news["connection"]; !ok {
		failures = append(failures, &pulumirpc.CheckFailure{Property: "connection", Reason: "connection is required"})
	} else if !news.ContainsUnknowns() {
		if _, err := parseArgs(news); err != nil {
			failures = append(failures, &pulumirpc.CheckFailure{Reason: err.Error()})
		}
	}
	return &pulumirpc.CheckResponse{Inputs: req.GetNews(), Failures: failures}, nil
}

// Diff: a change to triggers replaces the resource; any other input change is
// an update; no change is no change.
func (p *Provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	return plugin.Diff(req, outputOnlyKeys, func(k string) bool { return k == "triggers" })
}

// outputs builds the resource state: the inputs (secretness kept) plus stdout and stderr.
func outputs(inputs resource.PropertyMap, stdout, stderr resource.PropertyValue, secret bool) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range inputs {
		if string(k) == "stdout" || string(k) == "stderr" {
			continue
		}
		out[k] = v
	}
	if secret {
		if !stdout.IsComputed() {
			stdout = resource.MakeSecret(stdout)
		}
		if !stderr.IsComputed() {
			stderr = resource.MakeSecret(stderr)
		}
	}
	out["stdout"] = stdout
	out["stderr"] = stderr
	return out
}

func unknownString() resource.PropertyValue {
	return resource.MakeComputed(resource.NewStringProperty(""))
}

// execute runs cmd for the resource and returns stdout and stderr.
func (p *Provider) execute(ctx context.Context, urn string, args *commandArgs, cmd string, prevOut, prevErr string,
) (string, string, error) {
	spec := runSpec{
		command:     cmd,
		stdin:       args.stdin,
		environment: args.environment,
		prevStdout:  prevOut,
		prevStderr:  prevErr,
		addPrevious: args.addPrevious,
		errStdout:   args.showsStdout(),
		errStderr:   args.showsStderr(),
		warn:        func(msg string) { p.logf(ctx, diag.Warning, urn, "%s", msg) },
		status:      func(msg string) { p.statusf(ctx, urn, msg) },
	}
	var loggers []*lineLogger
	if p.log != nil && args.logging != logNone {
		if args.secretOutputs && !args.showsStderr() {
			p.statusf(ctx, urn, "command output is not logged because the command's inputs are secret")
		}
		emit := func(line string) { p.logf(ctx, diag.Info, urn, "%s", line) }
		if args.showsStdout() {
			l := &lineLogger{emit: emit}
			loggers = append(loggers, l)
			spec.logStdout = l
		}
		if args.showsStderr() {
			l := &lineLogger{emit: emit}
			loggers = append(loggers, l)
			spec.logStderr = l
		}
	}
	stdout, stderr, err := run(ctx, args.conn, spec)
	for _, l := range loggers {
		l.Flush()
	}
	return stdout, stderr, err
}

// newID returns "<name>" followed by 8 random hex characters, as upstream does.
func newID(urn string) (string, error) {
	prefix := ""
	if u := resource.URN(urn); u.IsValid() {
		prefix = u.Name()
	}
	return resource.NewUniqueHex(prefix, 8, 0)
}

// Create runs `create` (if set).
func (p *Provider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	inputs, err := plugin.Unmarshal("properties", req.GetProperties())
	if err != nil {
		return nil, err
	}
	secret := secretOutputs(inputs)
	if req.GetPreview() {
		props, err := plugin.Marshal("preview", outputs(inputs, unknownString(), unknownString(), secret))
		if err != nil {
			return nil, err
		}
		return &pulumirpc.CreateResponse{Properties: props}, nil
	}
	args, err := parseArgs(inputs)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "%s: %v", req.GetUrn(), err)
	}
	id, err := newID(req.GetUrn())
	if err != nil {
		return nil, err
	}
	stdout, stderr := "", ""
	if args.create != nil {
		opCtx, cancel := p.opContext(ctx, req.GetTimeout())
		defer cancel()
		stdout, stderr, err = p.execute(opCtx, req.GetUrn(), args, *args.create, "", "")
		if err != nil {
			return nil, err
		}
	}
	props, err := plugin.Marshal("outputs", outputs(inputs,
		resource.NewStringProperty(stdout), resource.NewStringProperty(stderr), args.secretOutputs))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

// Update runs `update`, or `create` when `update` is not set.
func (p *Provider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	olds, err := plugin.Unmarshal("olds", req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := plugin.Unmarshal("news", req.GetNews())
	if err != nil {
		return nil, err
	}
	secret := secretOutputs(news)
	if req.GetPreview() {
		props, err := plugin.Marshal("preview", outputs(news, unknownString(), unknownString(), secret))
		if err != nil {
			return nil, err
		}
		return &pulumirpc.UpdateResponse{Properties: props}, nil
	}
	args, err := parseArgs(news)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "%s: %v", req.GetUrn(), err)
	}
	prevOut, prevErr := oldOutput(olds, "stdout"), oldOutput(olds, "stderr")
	cmd := args.update
	if cmd == nil {
		cmd = args.create
	}
	stdoutV, stderrV := olds["stdout"], olds["stderr"]
	if stdoutV.IsNull() {
		stdoutV = resource.NewStringProperty("")
	}
	if stderrV.IsNull() {
		stderrV = resource.NewStringProperty("")
	}
	stdoutV, stderrV = plugin.Unwrap(stdoutV), plugin.Unwrap(stderrV)
	if cmd != nil {
		opCtx, cancel := p.opContext(ctx, req.GetTimeout())
		defer cancel()
		stdout, stderr, err := p.execute(opCtx, req.GetUrn(), args, *cmd, prevOut, prevErr)
		if err != nil {
			return nil, err
		}
		stdoutV, stderrV = resource.NewStringProperty(stdout), resource.NewStringProperty(stderr)
	} else if olds["stdout"].ContainsSecrets() || olds["stderr"].ContainsSecrets() {
		// Keeping an old secret output: it stays secret.
		secret = true
	}
	props, err := plugin.Marshal("outputs", outputs(news, stdoutV, stderrV, secret || args.secretOutputs))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

func oldOutput(olds resource.PropertyMap, key string) string {
	v := plugin.Get(olds, key)
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

// Delete runs `delete` (if set) with the connection stored in the state.
func (p *Provider) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	state, err := plugin.Unmarshal("properties", req.GetProperties())
	if err != nil {
		return nil, err
	}
	del, err := plugin.OptString(state, "delete")
	if err != nil {
		return nil, err
	}
	if del == nil {
		return &emptypb.Empty{}, nil
	}
	args, err := parseArgs(state)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "%s: stored state: %v", req.GetUrn(), err)
	}
	if state["stdout"].ContainsSecrets() || state["stderr"].ContainsSecrets() {
		args.secretOutputs = true
	}
	opCtx, cancel := p.opContext(ctx, req.GetTimeout())
	defer cancel()
	if _, _, err := p.execute(opCtx, req.GetUrn(), args, *del,
		oldOutput(state, "stdout"), oldOutput(state, "stderr")); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// Read returns the state as it is (a remote command cannot be read back).
func (p *Provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	if err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

// Cancel aborts every running command and dial.
func (p *Provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.cancelCh:
	default:
		close(p.cancelCh)
	}
	return &emptypb.Empty{}, nil
}
