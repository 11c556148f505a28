package command

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"local/haproxy-ha/providers/internal/plugin"
)

const (
	defaultUser           = "root"
	defaultPort           = 22
	defaultDialErrorLimit = 10
	defaultPerDialTimeout = 15
	unlimitedDialErrors   = -1
)

// Logging modes of the `logging` input.
const (
	logStdout          = "stdout"
	logStderr          = "stderr"
	logStdoutAndStderr = "stdoutAndStderr"
	logNone            = "none"
)

// inputKeys are the inputs of command:remote:Command.
var inputKeys = []string{
	"addPreviousOutputInEnv", "connection", "create", "delete", "environment",
	"logging", "stdin", "triggers", "update",
}

// outputOnlyKeys are the properties that only exist in the resource's state.
var outputOnlyKeys = []string{"stdout", "stderr"}

// connection describes how to reach a host (or the bastion in front of it).
type connection struct {
	host               string
	port               int
	user               string
	password           *string
	privateKey         *string
	privateKeyPassword *string
	agentSocketPath    *string
	hostKey            *string
	dialErrorLimit     int
	perDialTimeout     int
	proxy              *connection
}

func (c *connection) endpoint() string {
	return joinHostPort(c.host, c.port)
}

func parseConnection(m resource.PropertyMap, label string, allowProxy bool) (*connection, error) {
	c := &connection{port: defaultPort, user: defaultUser,
		dialErrorLimit: defaultDialErrorLimit, perDialTimeout: defaultPerDialTimeout}
	var err error
	host, err := plugin.OptString(m, "host")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", label, err)
	}
	if host == nil || *host == "" {
		return nil, fmt.Errorf("%s.host is required", label)
	}
	c.host = *host
	if p, err := plugin.OptInt(m, "port"); err != nil {
		return nil, fmt.Errorf("%s: %w", label, err)
	} else if p != nil {
		if *p < 1 || *p > 65535 {
			return nil, fmt.Errorf("%s.port must be between 1 and 65535, not %d", label, *p)
		}
		c.port = *p
	}
	if u, err := plugin.OptString(m, "user"); err != nil {
		return nil, fmt.Errorf("%s: %w", label, err)
	} else if u != nil && *u != "" {
		c.user = *u
	}
	for key, dst := range map[string]**string{
		"password":           &c.password,
		"privateKey":         &c.privateKey,
		"privateKeyPassword": &c.privateKeyPassword,
		"agentSocketPath":    &c.agentSocketPath,
		"hostKey":            &c.hostKey,
	} {
		if *dst, err = plugin.OptString(m, key); err != nil {
			return nil, fmt.Errorf("%s: %w", label, err)
		}
	}
	if n, err := plugin.OptInt(m, "dialErrorLimit"); err != nil {
		return nil, fmt.Errorf("%s: %w", label, err)
	} else if n != nil {
		if *n < unlimitedDialErrors {
			return nil, fmt.Errorf("%s.dialErrorLimit must be -1 (unlimited) or at least 0, not %d", label, *n)
		}
		c.dialErrorLimit = *n
	}
	if n, err := plugin.OptInt(m, "perDialTimeout"); err != nil {
		return nil, fmt.Errorf("%s: %w", label, err)
	} else if n != nil {
		if *n < 0 {
			return nil, fmt.Errorf("%s.perDialTimeout must be 0 (no limit) or more seconds, not %d", label, *n)
		}
		c.perDialTimeout = *n
	}
	proxy, err := plugin.OptObject(m, "proxy")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", label, err)
	}
	if proxy != nil {
		if !allowProxy {
			return nil, fmt.Errorf("%s.proxy: a proxy cannot itself have a proxy", label)
		}
		if c.proxy, err = parseConnection(proxy, label+".proxy", false); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// commandArgs are the decoded inputs of a command:remote:Command.
type commandArgs struct {
	conn        *connection
	create      *string
	update      *string
	delete      *string
	stdin       *string
	environment map[string]string
	logging     string
	addPrevious bool
	// secretOutputs is true when any input other than the connection is
	// secret: stdout and stderr are then secret too, and never logged.
	secretOutputs bool
}

func parseArgs(m resource.PropertyMap) (*commandArgs, error) {
	a := &commandArgs{logging: logStdoutAndStderr, addPrevious: true}
	connMap, err := plugin.OptObject(m, "connection")
	if err != nil {
		return nil, err
	}
	if connMap == nil {
		return nil, fmt.Errorf("connection is required")
	}
	if a.conn, err = parseConnection(connMap, "connection", true); err != nil {
		return nil, err
	}
	for key, dst := range map[string]**string{
		"create": &a.create, "update": &a.update, "delete": &a.delete, "stdin": &a.stdin,
	} {
		if *dst, err = plugin.OptString(m, key); err != nil {
			return nil, err
		}
	}
	if a.environment, err = plugin.StringMap(m, "environment"); err != nil {
		return nil, err
	}
	if l, err := plugin.OptString(m, "logging"); err != nil {
		return nil, err
	} else if l != nil {
		switch *l {
		case logStdout, logStderr, logStdoutAndStderr, logNone:
			a.logging = *l
		default:
			return nil, fmt.Errorf("logging must be one of stdout, stderr, stdoutAndStderr, none; not %q", *l)
		}
	}
	if b, err := plugin.OptBool(m, "addPreviousOutputInEnv"); err != nil {
		return nil, err
	} else if b != nil {
		a.addPrevious = *b
	}
	a.secretOutputs = secretOutputs(m)
	return a, nil
}

// showsStdout: stdout may be logged and quoted in errors. Never when an input is secret.
func (a *commandArgs) showsStdout() bool {
	return !a.secretOutputs && (a.logging == logStdout || a.logging == logStdoutAndStderr)
}

// showsStderr: stderr may be logged and quoted in errors. With secret inputs only when
// `logging` is exactly "stderr": the caller vouches that stderr carries no secret (a
// validator's message, say), which is how a failed config check reaches the user.
func (a *commandArgs) showsStderr() bool {
	if a.secretOutputs {
		return a.logging == logStderr
	}
	return a.logging == logStderr || a.logging == logStdoutAndStderr
}

// secretOutputs reports whether stdout/stderr derived from these inputs must be
// secret. The connection is excluded: the SDK always wraps it in a secret (it
// carries credentials), so counting it would make every output secret.
func secretOutputs(m resource.PropertyMap) bool {
	for k, v := range m {
		switch string(k) {
		case "connection", "stdout", "stderr":
			continue
		}
		if v.ContainsSecrets() {
			return true
		}
	}
	return false
}
