package command

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

func joinHostPort(host string, port int) string {
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// errHostKeyMismatch is permanent: dialing is not retried when it occurs.
var errHostKeyMismatch = errors.New("host key mismatch")

// clientConfig builds the SSH client configuration for one hop. The returned
// closer releases the agent connection, if one was opened.
func (c *connection) clientConfig() (*ssh.ClientConfig, func(), error) {
	cfg := &ssh.ClientConfig{User: c.user}
	closer := func() {}
	if c.hostKey != nil && strings.TrimSpace(*c.hostKey) != "" {
		want, _, _, _, err := ssh.ParseAuthorizedKey([]byte(*c.hostKey))
		if err != nil {
			return nil, closer, fmt.Errorf("hostKey for %s is not a valid public key in authorized_keys format: %w",
				c.endpoint(), err)
		}
		wantBytes := want.Marshal()
		cfg.HostKeyAlgorithms = hostKeyAlgorithms(want.Type())
		cfg.HostKeyCallback = func(_ string, _ net.Addr, got ssh.PublicKey) error {
			if bytes.Equal(got.Marshal(), wantBytes) {
				return nil
			}
			return fmt.Errorf("%w: %s presented %s %s, expected %s %s", errHostKeyMismatch, c.endpoint(),
				got.Type(), ssh.FingerprintSHA256(got), want.Type(), ssh.FingerprintSHA256(want))
		}
	} else {
		cfg.HostKeyCallback = ssh.InsecureIgnoreHostKey() //nolint:gosec // upstream semantics: no hostKey, no check
	}
	if c.privateKey != nil && *c.privateKey != "" {
		var signer ssh.Signer
		var err error
		if c.privateKeyPassword != nil && *c.privateKeyPassword != "" {
			signer, err = ssh.ParsePrivateKeyWithPassphrase([]byte(*c.privateKey), []byte(*c.privateKeyPassword))
		} else {
			signer, err = ssh.ParsePrivateKey([]byte(*c.privateKey))
		}
		if err != nil {
			// Never include the key material in the message.
			return nil, closer, fmt.Errorf("privateKey for %s cannot be parsed: %s", c.endpoint(), keyParseReason(err))
		}
		cfg.Auth = append(cfg.Auth, ssh.PublicKeys(signer))
	}
	if c.password != nil {
		pw := *c.password
		cfg.Auth = append(cfg.Auth, ssh.Password(pw),
			ssh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = pw
				}
				return answers, nil
			}))
	}
	sock := ""
	if c.agentSocketPath != nil {
		sock = *c.agentSocketPath
	} else if env := os.Getenv("SSH_AUTH_SOCK"); env != "" {
		sock = env
	}
	if sock != "" {
		conn, err := net.Dial("unix", sock)
		if err != nil {
			return nil, closer, fmt.Errorf("cannot reach the SSH agent at %s: %w", sock, err)
		}
		closer = func() { _ = conn.Close() }
		cfg.Auth = append(cfg.Auth, ssh.PublicKeysCallback(agent.NewClient(conn).Signers))
	}
	return cfg, closer, nil
}

func keyParseReason(err error) string {
	var missing *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &missing):
		return "it is encrypted and no privateKeyPassword was given"
	case errors.Is(err, x509.IncorrectPasswordError):
		return "privateKeyPassword is wrong"
	default:
		return err.Error()
	}
}

// hostKeyAlgorithms lists the signature algorithms acceptable for a key type,
// so that the server presents the key we can verify.
func hostKeyAlgorithms(keyType string) []string {
	if keyType == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{keyType}
}

// dialer opens TCP connections; a bastion client replaces the default one.
type dialer func(ctx context.Context, addr string) (net.Conn, error)

func directDial(timeout time.Duration) dialer {
	return func(ctx context.Context, addr string) (net.Conn, error) {
		d := net.Dialer{Timeout: timeout}
		return d.DialContext(ctx, "tcp", addr)
	}
}

// handshake dials addr and performs the SSH handshake within perDialTimeout seconds.
func handshake(ctx context.Context, dial dialer, c *connection, cfg *ssh.ClientConfig) (*ssh.Client, error) {
	timeout := time.Duration(c.perDialTimeout) * time.Second
	attemptCtx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		attemptCtx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	conn, err := dial(attemptCtx, c.endpoint())
	if err != nil {
		return nil, err
	}
	// Bound the handshake too, and abort it if the context ends.
	if dl, ok := attemptCtx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(attemptCtx, func() { _ = conn.Close() })
	sshConn, chans, reqs, err := ssh.NewClientConn(conn, c.endpoint(), cfg)
	if !stop() || err != nil {
		_ = conn.Close()
		if err == nil {
			err = attemptCtx.Err()
		}
		if ctxErr := attemptCtx.Err(); ctxErr != nil && !errors.Is(err, errHostKeyMismatch) {
			err = fmt.Errorf("%w (%v)", err, ctxErr)
		}
		return nil, err
	}
	_ = conn.SetDeadline(time.Time{})
	return ssh.NewClient(sshConn, chans, reqs), nil
}

// retryDelays follows the engine's usual backoff: 100ms growing 1.5x up to 5s.
var (
	retryFirstDelay = 100 * time.Millisecond
	retryMaxDelay   = 5 * time.Second
)

// dialWithRetry calls attempt until it succeeds, the error limit is reached
// (limit failures are tolerated, so limit+1 attempts are made; -1 means no
// limit), the error is permanent, or ctx ends.
func dialWithRetry(ctx context.Context, c *connection, what string, status func(string),
	attempt func() (*ssh.Client, error),
) (*ssh.Client, error) {
	delay := retryFirstDelay
	for failures := 0; ; {
		client, err := attempt()
		if err == nil {
			return client, nil
		}
		failures++
		if errors.Is(err, errHostKeyMismatch) {
			return nil, fmt.Errorf("%s %s as %q refused: %w", what, c.endpoint(), c.user, err)
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s %s as %q cancelled after %d attempt(s): %w", what, c.endpoint(), c.user,
				failures, err)
		}
		if c.dialErrorLimit != unlimitedDialErrors && failures > c.dialErrorLimit {
			return nil, fmt.Errorf("%s %s as %q failed after %d attempt(s) (dialErrorLimit %d): %w",
				what, c.endpoint(), c.user, failures, c.dialErrorLimit, err)
		}
		if status != nil {
			limit := "unlimited"
			if c.dialErrorLimit != unlimitedDialErrors {
				limit = strconv.Itoa(c.dialErrorLimit + 1)
			}
			status(fmt.Sprintf("%s %s: attempt %d/%s failed, retrying: %v", what, c.endpoint(), failures, limit, err))
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, fmt.Errorf("%s %s as %q cancelled after %d attempt(s): %w", what, c.endpoint(), c.user,
				failures, err)
		}
		delay = time.Duration(float64(delay) * 1.5)
		if delay > retryMaxDelay {
			delay = retryMaxDelay
		}
	}
}

// dialClient connects to the target, through the bastion when one is set.
// The returned close function closes every connection that was opened.
func dialClient(ctx context.Context, c *connection, status func(string)) (*ssh.Client, func(), error) {
	cfg, closeAgent, err := c.clientConfig()
	if err != nil {
		return nil, nil, err
	}
	if c.proxy == nil {
		client, err := dialWithRetry(ctx, c, "connecting to", status, func() (*ssh.Client, error) {
			return handshake(ctx, directDial(0), c, cfg)
		})
		if err != nil {
			closeAgent()
			return nil, nil, err
		}
		return client, func() { _ = client.Close(); closeAgent() }, nil
	}

	pcfg, closeProxyAgent, err := c.proxy.clientConfig()
	if err != nil {
		closeAgent()
		return nil, nil, fmt.Errorf("proxy: %w", err)
	}
	bastion, err := dialWithRetry(ctx, c.proxy, "connecting to proxy", status, func() (*ssh.Client, error) {
		return handshake(ctx, directDial(0), c.proxy, pcfg)
	})
	if err != nil {
		closeAgent()
		closeProxyAgent()
		return nil, nil, err
	}
	viaBastion := func(ctx context.Context, addr string) (net.Conn, error) {
		return bastion.DialContext(ctx, "tcp", addr)
	}
	client, err := dialWithRetry(ctx, c, fmt.Sprintf("connecting (via proxy %s) to", c.proxy.endpoint()), status,
		func() (*ssh.Client, error) { return handshake(ctx, viaBastion, c, cfg) })
	if err != nil {
		_ = bastion.Close()
		closeAgent()
		closeProxyAgent()
		return nil, nil, err
	}
	return client, func() {
		_ = client.Close()
		_ = bastion.Close()
		closeAgent()
		closeProxyAgent()
	}, nil
}

// runSpec is one command execution.
type runSpec struct {
	command     string
	stdin       *string
	environment map[string]string
	prevStdout  string
	prevStderr  string
	addPrevious bool
	logStdout   io.Writer // nil: not logged
	logStderr   io.Writer // nil: not logged
	errStdout   bool      // stdout may appear in an error message
	errStderr   bool      // stderr may appear in an error message
	warn        func(string)
	status      func(string)
}

// ExitError is returned when the remote command exits with a non-zero status.
type ExitError struct {
	Endpoint string
	User     string
	Code     int
	Signal   string
	Tail     string
}

func (e *ExitError) Error() string {
	what := fmt.Sprintf("exit code %d", e.Code)
	if e.Signal != "" {
		what = "signal " + e.Signal
	} else if e.Code < 0 {
		what = "no exit status"
	}
	return fmt.Sprintf("remote command on %s@%s failed with %s%s", e.User, e.Endpoint, what, e.Tail)
}

// run executes spec.command on the host described by c and returns stdout
// and stderr with one trailing newline removed (as upstream does).
func run(ctx context.Context, c *connection, spec runSpec) (string, string, error) {
	client, closeAll, err := dialClient(ctx, c, spec.status)
	if err != nil {
		return "", "", err
	}
	defer closeAll()

	session, err := client.NewSession()
	if err != nil {
		return "", "", fmt.Errorf("opening an SSH session on %s: %w", c.endpoint(), err)
	}
	defer session.Close()

	var refused []string
	keys := make([]string, 0, len(spec.environment))
	for k := range spec.environment {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := session.Setenv(k, spec.environment[k]); err != nil {
			refused = append(refused, k)
		}
	}
	if len(refused) > 0 && spec.warn != nil {
		spec.warn(fmt.Sprintf("the SSH server on %s refused to set the environment variable(s) %s (sshd's AcceptEnv "+
			"does not allow them); the command runs without them", c.endpoint(), strings.Join(refused, ", ")))
	}
	if spec.addPrevious {
		// Best effort, as upstream: most sshd configurations refuse these.
		if spec.prevStdout != "" {
			_ = session.Setenv("PULUMI_COMMAND_STDOUT", spec.prevStdout)
		}
		if spec.prevStderr != "" {
			_ = session.Setenv("PULUMI_COMMAND_STDERR", spec.prevStderr)
		}
	}
	if spec.stdin != nil && *spec.stdin != "" {
		session.Stdin = strings.NewReader(*spec.stdin)
	}

	var stdout, stderr bytes.Buffer
	outWriters := []io.Writer{&stdout}
	if spec.logStdout != nil {
		outWriters = append(outWriters, spec.logStdout)
	}
	errWriters := []io.Writer{&stderr}
	if spec.logStderr != nil {
		errWriters = append(errWriters, spec.logStderr)
	}
	session.Stdout = io.MultiWriter(outWriters...)
	session.Stderr = io.MultiWriter(errWriters...)

	if err := session.Start(spec.command); err != nil {
		return "", "", fmt.Errorf("starting the command on %s: %w", c.endpoint(), err)
	}
	done := make(chan error, 1)
	go func() { done <- session.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = session.Signal(ssh.SIGTERM)
		closeAll()
		<-done
		return "", "", fmt.Errorf("command on %s was cancelled: %w", c.endpoint(), ctx.Err())
	}
	outStr := strings.TrimSuffix(stdout.String(), "\n")
	errStr := strings.TrimSuffix(stderr.String(), "\n")
	if err != nil {
		var exitErr *ssh.ExitError
		var missing *ssh.ExitMissingError
		e := &ExitError{Endpoint: c.endpoint(), User: c.user, Code: -1}
		switch {
		case errors.As(err, &exitErr):
			e.Code = exitErr.ExitStatus()
			e.Signal = exitErr.Signal()
		case errors.As(err, &missing):
		default:
			return outStr, errStr, fmt.Errorf("running the command on %s: %w", c.endpoint(), err)
		}
		e.Tail = outputTail(spec.errStderr, spec.errStdout, errStr, outStr)
		return outStr, errStr, e
	}
	return outStr, errStr, nil
}

const (
	tailLines = 20
	tailBytes = 4000
)

// outputTail formats the end of stderr (or of stdout when stderr is empty)
// for an error message, showing only the streams it may show.
func outputTail(showStderr, showStdout bool, stderr, stdout string) string {
	if !showStderr {
		stderr = ""
	}
	if !showStdout {
		stdout = ""
	}
	if !showStderr && !showStdout {
		return " (output not shown: the command's inputs are secret or its logging is off)"
	}
	name, text := "stderr", stderr
	if strings.TrimSpace(text) == "" {
		name, text = "stdout", stdout
	}
	if strings.TrimSpace(text) == "" {
		return " (no output)"
	}
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	cut := false
	if len(lines) > tailLines {
		lines, cut = lines[len(lines)-tailLines:], true
	}
	t := strings.Join(lines, "\n")
	if len(t) > tailBytes {
		t, cut = t[len(t)-tailBytes:], true
	}
	label := name
	if cut {
		label = "last lines of " + name
	}
	return fmt.Sprintf("; %s:\n%s", label, t)
}

// lineLogger turns a byte stream into one log call per line.
type lineLogger struct {
	mu   sync.Mutex
	buf  []byte
	emit func(string)
}

func (l *lineLogger) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimSuffix(string(l.buf[:i]), "\r")
		l.buf = l.buf[i+1:]
		l.emit(line)
	}
	// Do not hold arbitrarily long partial lines.
	if len(l.buf) > 64*1024 {
		l.emit(string(l.buf))
		l.buf = nil
	}
	return len(p), nil
}

// Flush emits a trailing partial line.
func (l *lineLogger) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.emit(string(l.buf))
		l.buf = nil
	}
}
