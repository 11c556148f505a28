package command

import (
	"context"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/ssh"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"local/haproxy-ha/providers/internal/plugin"
)

const testURN = "urn:pulumi:dev::proj::command:remote:Command::cmd"

// fakeLog records what the provider logs.
type fakeLog struct {
	mu     sync.Mutex
	lines  []string
	status []string
}

func (f *fakeLog) Log(_ context.Context, sev diag.Severity, _ resource.URN, msg string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lines = append(f.lines, string(sev)+": "+msg)
	return nil
}

func (f *fakeLog) LogStatus(_ context.Context, _ diag.Severity, _ resource.URN, msg string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status = append(f.status, msg)
	return nil
}

func (f *fakeLog) all() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.lines, "\n") + "\n" + strings.Join(f.status, "\n")
}

func str(s string) resource.PropertyValue { return resource.NewStringProperty(s) }

func secret(v resource.PropertyValue) resource.PropertyValue { return resource.MakeSecret(v) }

func num(n int) resource.PropertyValue { return resource.NewNumberProperty(float64(n)) }

// conn builds a connection input for the server (always secret, as the SDK sends it).
func conn(s *testServer, extra map[string]resource.PropertyValue) resource.PropertyValue {
	m := resource.PropertyMap{
		"host":           str("127.0.0.1"),
		"port":           num(s.port()),
		"user":           str(s.user),
		"password":       str(s.password),
		"dialErrorLimit": num(2),
		"perDialTimeout": num(5),
	}
	for k, v := range extra {
		if v.IsNull() {
			delete(m, resource.PropertyKey(k))
		} else {
			m[resource.PropertyKey(k)] = v
		}
	}
	return secret(resource.NewObjectProperty(m))
}

func marshal(t *testing.T, m resource.PropertyMap) *structpb.Struct {
	t.Helper()
	s, err := plugin.Marshal("test", m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func unmarshal(t *testing.T, s *structpb.Struct) resource.PropertyMap {
	t.Helper()
	m, err := plugin.Unmarshal("test", s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func create(t *testing.T, p *Provider, inputs resource.PropertyMap) (string, resource.PropertyMap, error) {
	t.Helper()
	resp, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: testURN, Properties: marshal(t, inputs)})
	if err != nil {
		return "", nil, err
	}
	return resp.GetId(), unmarshal(t, resp.GetProperties()), nil
}

func outStr(t *testing.T, m resource.PropertyMap, key string) string {
	t.Helper()
	v := plugin.Get(m, key)
	if !v.IsString() {
		t.Fatalf("%s is %v, not a string", key, m[resource.PropertyKey(key)])
	}
	return v.StringValue()
}

func TestDiffTable(t *testing.T) {
	base := func() resource.PropertyMap {
		return resource.PropertyMap{
			"connection": secret(resource.NewObjectProperty(resource.PropertyMap{
				"host": str("10.0.0.1"), "port": num(22), "user": str("root")})),
			"create":   str("echo hi"),
			"triggers": resource.NewArrayProperty([]resource.PropertyValue{str("a")}),
		}
	}
	state := func() resource.PropertyMap {
		m := base()
		m["stdout"] = str("hi")
		m["stderr"] = str("")
		return m
	}
	cases := []struct {
		name     string
		olds     resource.PropertyMap
		news     func(resource.PropertyMap)
		changes  pulumirpc.DiffResponse_DiffChanges
		replaces []string
		diffs    []string
	}{
		{"identical", base(), func(resource.PropertyMap) {}, pulumirpc.DiffResponse_DIFF_NONE, nil, nil},
		{"state with outputs vs same inputs", state(), func(resource.PropertyMap) {},
			pulumirpc.DiffResponse_DIFF_NONE, nil, nil},
		{"only secretness changed", base(), func(m resource.PropertyMap) { m["create"] = secret(str("echo hi")) },
			pulumirpc.DiffResponse_DIFF_NONE, nil, nil},
		{"create changed", base(), func(m resource.PropertyMap) { m["create"] = str("echo ho") },
			pulumirpc.DiffResponse_DIFF_SOME, nil, []string{"create"}},
		{"update added", base(), func(m resource.PropertyMap) { m["update"] = str("echo u") },
			pulumirpc.DiffResponse_DIFF_SOME, nil, []string{"update"}},
		{"create removed", base(), func(m resource.PropertyMap) { delete(m, "create") },
			pulumirpc.DiffResponse_DIFF_SOME, nil, []string{"create"}},
		{"connection host changed", base(), func(m resource.PropertyMap) {
			m["connection"] = secret(resource.NewObjectProperty(resource.PropertyMap{
				"host": str("10.0.0.2"), "port": num(22), "user": str("root")}))
		}, pulumirpc.DiffResponse_DIFF_SOME, nil, []string{"connection"}},
		{"triggers changed", base(), func(m resource.PropertyMap) {
			m["triggers"] = resource.NewArrayProperty([]resource.PropertyValue{str("b")})
		}, pulumirpc.DiffResponse_DIFF_SOME, []string{"triggers"}, []string{"triggers"}},
		{"triggers and create changed", base(), func(m resource.PropertyMap) {
			m["triggers"] = resource.NewArrayProperty([]resource.PropertyValue{str("a"), str("b")})
			m["create"] = str("x")
		}, pulumirpc.DiffResponse_DIFF_SOME, []string{"triggers"}, []string{"create", "triggers"}},
		{"unknown create", base(), func(m resource.PropertyMap) {
			m["create"] = resource.MakeComputed(str(""))
		}, pulumirpc.DiffResponse_DIFF_SOME, nil, []string{"create"}},
		{"unknown trigger", base(), func(m resource.PropertyMap) {
			m["triggers"] = resource.NewArrayProperty([]resource.PropertyValue{resource.MakeComputed(str(""))})
		}, pulumirpc.DiffResponse_DIFF_SOME, []string{"triggers"}, []string{"triggers"}},
		{"environment changed", base(), func(m resource.PropertyMap) {
			m["environment"] = resource.NewObjectProperty(resource.PropertyMap{"A": str("1")})
		}, pulumirpc.DiffResponse_DIFF_SOME, nil, []string{"environment"}},
		{"logging changed", base(), func(m resource.PropertyMap) { m["logging"] = str("none") },
			pulumirpc.DiffResponse_DIFF_SOME, nil, []string{"logging"}},
	}
	p := New(nil)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			news := base()
			tc.news(news)
			resp, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{
				Urn: testURN, Olds: marshal(t, tc.olds), News: marshal(t, news)})
			if err != nil {
				t.Fatal(err)
			}
			if resp.GetChanges() != tc.changes {
				t.Errorf("changes = %v, want %v", resp.GetChanges(), tc.changes)
			}
			if fmt.Sprint(resp.GetReplaces()) != fmt.Sprint(tc.replaces) && !(len(resp.GetReplaces()) == 0 && len(tc.replaces) == 0) {
				t.Errorf("replaces = %v, want %v", resp.GetReplaces(), tc.replaces)
			}
			if fmt.Sprint(resp.GetDiffs()) != fmt.Sprint(tc.diffs) && !(len(resp.GetDiffs()) == 0 && len(tc.diffs) == 0) {
				t.Errorf("diffs = %v, want %v", resp.GetDiffs(), tc.diffs)
			}
		})
	}
	// OldInputs, when sent, take precedence over the old state.
	news := base()
	oldInputs := base()
	oldInputs["create"] = str("old")
	resp, err := p.Diff(context.Background(), &pulumirpc.DiffRequest{Urn: testURN,
		Olds: marshal(t, state()), OldInputs: marshal(t, oldInputs), News: marshal(t, news)})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetChanges() != pulumirpc.DiffResponse_DIFF_SOME {
		t.Errorf("old inputs ignored: %v", resp)
	}
}

func TestCreateStdinStdoutStderr(t *testing.T) {
	s := startServer(t, nil)
	log := &fakeLog{}
	p := New(log)
	id, out, err := create(t, p, resource.PropertyMap{
		"connection": conn(s, nil),
		"create":     str(`cat; echo "to-stderr" >&2`),
		"stdin":      str("hello from stdin\nsecond line\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(id, "cmd") || len(id) != len("cmd")+8 {
		t.Errorf("id = %q", id)
	}
	if got := outStr(t, out, "stdout"); got != "hello from stdin\nsecond line" {
		t.Errorf("stdout = %q", got)
	}
	if got := outStr(t, out, "stderr"); got != "to-stderr" {
		t.Errorf("stderr = %q", got)
	}
	if out["stdout"].IsSecret() || out["stderr"].IsSecret() {
		t.Errorf("outputs secret although only the connection is secret")
	}
	if !out["connection"].IsSecret() {
		t.Errorf("connection lost its secretness")
	}
	if outStr(t, out, "create") == "" || outStr(t, out, "stdin") == "" {
		t.Errorf("inputs not echoed: %v", out)
	}
	logs := log.all()
	for _, want := range []string{"hello from stdin", "second line", "to-stderr"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

func TestLoggingModes(t *testing.T) {
	s := startServer(t, nil)
	for _, tc := range []struct {
		mode       string
		out, errln bool
	}{{"stdout", true, false}, {"stderr", false, true}, {"stdoutAndStderr", true, true}, {"none", false, false}} {
		t.Run(tc.mode, func(t *testing.T) {
			log := &fakeLog{}
			_, _, err := create(t, New(log), resource.PropertyMap{
				"connection": conn(s, nil),
				"create":     str("echo OUT-LINE; echo ERR-LINE >&2"),
				"logging":    str(tc.mode),
			})
			if err != nil {
				t.Fatal(err)
			}
			logs := log.all()
			if strings.Contains(logs, "OUT-LINE") != tc.out || strings.Contains(logs, "ERR-LINE") != tc.errln {
				t.Errorf("mode %s logged:\n%s", tc.mode, logs)
			}
		})
	}
}

func TestCreateNonZeroExit(t *testing.T) {
	s := startServer(t, nil)
	_, _, err := create(t, New(nil), resource.PropertyMap{
		"connection": conn(s, nil),
		"create":     str("echo some-output; echo first-err >&2; echo apt-failed-here >&2; exit 7"),
	})
	if err == nil {
		t.Fatal("expected an error")
	}
	msg := err.Error()
	for _, want := range []string{"exit code 7", "apt-failed-here", fmt.Sprintf("127.0.0.1:%d", s.port()), "tester@"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
}

func TestSecretPropagation(t *testing.T) {
	s := startServer(t, nil)
	log := &fakeLog{}
	p := New(log)
	_, out, err := create(t, p, resource.PropertyMap{
		"connection": conn(s, nil),
		"create":     secret(str("echo TOPSECRET-VALUE")),
		"update":     str("echo plain"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !out["stdout"].IsSecret() || !out["stderr"].IsSecret() {
		t.Errorf("stdout/stderr not secret: %v", out)
	}
	if !out["create"].IsSecret() || out["update"].IsSecret() {
		t.Errorf("echoed inputs changed secretness: %v", out)
	}
	if outStr(t, out, "stdout") != "TOPSECRET-VALUE" {
		t.Errorf("stdout = %q", outStr(t, out, "stdout"))
	}
	if strings.Contains(log.all(), "TOPSECRET") {
		t.Errorf("secret output was logged:\n%s", log.all())
	}
	// A failing command with secret inputs does not put its output in the error.
	_, _, err = create(t, p, resource.PropertyMap{
		"connection": conn(s, nil),
		"stdin":      secret(str("x")),
		"create":     str("echo LEAKED-SECRET >&2; exit 1"),
	})
	if err == nil || strings.Contains(err.Error(), "LEAKED") || !strings.Contains(err.Error(), "exit code 1") {
		t.Errorf("error = %v", err)
	}
	if strings.Contains(log.all(), "LEAKED") {
		t.Errorf("secret output was logged:\n%s", log.all())
	}
}

// With secret inputs, logging "stderr" is the caller's promise that stderr holds no secret:
// a validator's complaint then reaches the log and the error; stdout still never does.
func TestSecretInputsWithStderrLogging(t *testing.T) {
	s := startServer(t, nil)
	log := &fakeLog{}
	p := New(log)
	_, _, err := create(t, p, resource.PropertyMap{
		"connection": conn(s, nil),
		"stdin":      secret(str("stats auth admin:hunter2")),
		"create":     str("cat >/dev/null; echo STDOUT-HIDDEN; echo 'unknown keyword no-such-directive' >&2; exit 1"),
		"logging":    str("stderr"),
	})
	if err == nil || !strings.Contains(err.Error(), "unknown keyword no-such-directive") {
		t.Errorf("the validator's stderr is missing from the error: %v", err)
	}
	if strings.Contains(err.Error(), "STDOUT-HIDDEN") || strings.Contains(log.all(), "STDOUT-HIDDEN") {
		t.Errorf("stdout of a command with secret inputs was shown: %v\n%s", err, log.all())
	}
	if !strings.Contains(log.all(), "unknown keyword") {
		t.Errorf("stderr was not logged:\n%s", log.all())
	}
}

func TestPreviewOutputsUnknown(t *testing.T) {
	p := New(nil)
	inputs := resource.PropertyMap{
		"connection": secret(resource.NewObjectProperty(resource.PropertyMap{"host": resource.MakeComputed(str(""))})),
		"create":     str("echo x"),
	}
	resp, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: testURN, Properties: marshal(t, inputs),
		Preview: true})
	if err != nil {
		t.Fatal(err)
	}
	out := unmarshal(t, resp.GetProperties())
	if !out["stdout"].IsComputed() || !out["stderr"].IsComputed() {
		t.Errorf("preview outputs not unknown: %v", out)
	}
	uresp, err := p.Update(context.Background(), &pulumirpc.UpdateRequest{Urn: testURN, Olds: marshal(t, inputs),
		News: marshal(t, inputs), Preview: true})
	if err != nil {
		t.Fatal(err)
	}
	if out := unmarshal(t, uresp.GetProperties()); !out["stdout"].IsComputed() {
		t.Errorf("update preview stdout not unknown: %v", out)
	}
}

func TestUpdateAndDelete(t *testing.T) {
	s := startServer(t, nil)
	dir := t.TempDir()
	marker := filepath.Join(dir, "marker")
	p := New(nil)
	inputs := resource.PropertyMap{
		"connection": conn(s, nil),
		"create":     str("echo created > " + marker + "; echo v1"),
		"delete":     str(`echo "deleted after $PULUMI_COMMAND_STDOUT" > ` + marker),
	}
	id, state, err := create(t, p, inputs)
	if err != nil {
		t.Fatal(err)
	}

	// No update command: create runs again; the previous output is in the environment.
	news := inputs.Copy()
	news["create"] = str(`echo "recreated prev=$PULUMI_COMMAND_STDOUT" > ` + marker + "; echo v2")
	resp, err := p.Update(context.Background(), &pulumirpc.UpdateRequest{Id: id, Urn: testURN,
		Olds: marshal(t, state), News: marshal(t, news)})
	if err != nil {
		t.Fatal(err)
	}
	state = unmarshal(t, resp.GetProperties())
	if got := outStr(t, state, "stdout"); got != "v2" {
		t.Errorf("stdout after update = %q", got)
	}
	if b, _ := os.ReadFile(marker); strings.TrimSpace(string(b)) != "recreated prev=v1" {
		t.Errorf("marker after update = %q", b)
	}

	// With an update command, update runs instead of create.
	news2 := news.Copy()
	news2["update"] = str("echo updated > " + marker + "; echo v3")
	resp, err = p.Update(context.Background(), &pulumirpc.UpdateRequest{Id: id, Urn: testURN,
		Olds: marshal(t, state), News: marshal(t, news2)})
	if err != nil {
		t.Fatal(err)
	}
	state = unmarshal(t, resp.GetProperties())
	if b, _ := os.ReadFile(marker); strings.TrimSpace(string(b)) != "updated" {
		t.Errorf("marker after update command = %q", b)
	}

	// Delete uses the stored command and connection.
	if _, err := p.Delete(context.Background(), &pulumirpc.DeleteRequest{Id: id, Urn: testURN,
		Properties: marshal(t, state)}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(marker); strings.TrimSpace(string(b)) != "deleted after v3" {
		t.Errorf("marker after delete = %q", b)
	}

	// No delete command: nothing runs, even if the host is gone.
	delete(state, "delete")
	state["connection"] = conn(s, map[string]resource.PropertyValue{"port": num(1)})
	if _, err := p.Delete(context.Background(), &pulumirpc.DeleteRequest{Id: id, Urn: testURN,
		Properties: marshal(t, state)}); err != nil {
		t.Fatalf("delete without command: %v", err)
	}
}

func TestEnvironmentRefusedIsNotFatal(t *testing.T) {
	s := startServer(t, func(s *testServer) { s.acceptEnv = false })
	log := &fakeLog{}
	_, out, err := create(t, New(log), resource.PropertyMap{
		"connection":  conn(s, nil),
		"create":      str(`echo "A=${A:-unset}"`),
		"environment": resource.NewObjectProperty(resource.PropertyMap{"A": str("1")}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := outStr(t, out, "stdout"); got != "A=unset" {
		t.Errorf("stdout = %q", got)
	}
	if !strings.Contains(log.all(), "refused to set the environment variable(s) A") {
		t.Errorf("no warning about the refused variable:\n%s", log.all())
	}

	// Accepted when sshd allows it.
	s2 := startServer(t, nil)
	_, out, err = create(t, New(nil), resource.PropertyMap{
		"connection":  conn(s2, nil),
		"create":      str(`echo "A=${A:-unset}"`),
		"environment": resource.NewObjectProperty(resource.PropertyMap{"A": str("1")}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := outStr(t, out, "stdout"); got != "A=1" {
		t.Errorf("stdout = %q", got)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	return port
}

func TestDialRetryBoundRefused(t *testing.T) {
	port := freePort(t)
	start := time.Now()
	_, _, err := create(t, New(nil), resource.PropertyMap{
		"connection": secret(resource.NewObjectProperty(resource.PropertyMap{
			"host": str("127.0.0.1"), "port": num(port), "user": str("u"), "password": str("p"),
			"dialErrorLimit": num(2), "perDialTimeout": num(1),
		})),
		"create": str("true"),
	})
	if err == nil {
		t.Fatal("expected an error")
	}
	msg := err.Error()
	for _, want := range []string{fmt.Sprintf("127.0.0.1:%d", port), "after 3 attempt(s)", "connection refused"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

// A listener that accepts and immediately closes: every SSH handshake fails,
// and the number of attempts can be counted.
func TestDialRetryCountsAttempts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	n := 0
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			n++
			mu.Unlock()
			_ = c.Close()
		}
	}()
	for _, limit := range []int{0, 3} {
		mu.Lock()
		n = 0
		mu.Unlock()
		_, _, err := create(t, New(nil), resource.PropertyMap{
			"connection": secret(resource.NewObjectProperty(resource.PropertyMap{
				"host": str("127.0.0.1"), "port": num(ln.Addr().(*net.TCPAddr).Port), "password": str("p"),
				"dialErrorLimit": num(limit), "perDialTimeout": num(2),
			})),
			"create": str("true"),
		})
		if err == nil {
			t.Fatal("expected an error")
		}
		time.Sleep(50 * time.Millisecond)
		mu.Lock()
		got := n
		mu.Unlock()
		if got != limit+1 {
			t.Errorf("dialErrorLimit %d: %d attempts, want %d (%v)", limit, got, limit+1, err)
		}
		if !strings.Contains(err.Error(), `as "root"`) {
			t.Errorf("default user not root: %v", err)
		}
	}
}

func TestHostKeyVerification(t *testing.T) {
	s := startServer(t, nil)
	good := string(ssh.MarshalAuthorizedKey(s.hostSigner.PublicKey()))
	other := string(ssh.MarshalAuthorizedKey(newSigner(t).PublicKey()))

	_, out, err := create(t, New(nil), resource.PropertyMap{
		"connection": conn(s, map[string]resource.PropertyValue{"hostKey": str(good)}),
		"create":     str("echo ok"),
	})
	if err != nil {
		t.Fatalf("matching host key refused: %v", err)
	}
	if outStr(t, out, "stdout") != "ok" {
		t.Errorf("stdout = %q", outStr(t, out, "stdout"))
	}

	before := s.conns.Load()
	_, _, err = create(t, New(nil), resource.PropertyMap{
		"connection": conn(s, map[string]resource.PropertyValue{"hostKey": str(other), "dialErrorLimit": num(5)}),
		"create":     str("echo should-not-run"),
	})
	if err == nil || !strings.Contains(err.Error(), "host key mismatch") {
		t.Fatalf("mismatching host key: err = %v", err)
	}
	if n := s.conns.Load() - before; n != 1 {
		t.Errorf("host key mismatch retried: %d connections", n)
	}

	_, _, err = create(t, New(nil), resource.PropertyMap{
		"connection": conn(s, map[string]resource.PropertyValue{"hostKey": str("not a key")}),
		"create":     str("true"),
	})
	if err == nil || !strings.Contains(err.Error(), "hostKey") {
		t.Errorf("bad hostKey: err = %v", err)
	}
}

func TestPrivateKeyAuth(t *testing.T) {
	priv, client := newKey(t)
	s := startServer(t, func(s *testServer) { s.authorized = client.PublicKey(); s.password = "" })
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	pemKey := string(pem.EncodeToMemory(block))
	_, out, err := create(t, New(nil), resource.PropertyMap{
		"connection": conn(s, map[string]resource.PropertyValue{"password": resource.NewNullProperty(),
			"privateKey": str(pemKey)}),
		"create": str("echo key-auth"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if outStr(t, out, "stdout") != "key-auth" {
		t.Errorf("stdout = %q", outStr(t, out, "stdout"))
	}

	// Encrypted key with its password.
	block, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte("kp"))
	if err != nil {
		t.Fatal(err)
	}
	encKey := string(pem.EncodeToMemory(block))
	_, _, err = create(t, New(nil), resource.PropertyMap{
		"connection": conn(s, map[string]resource.PropertyValue{"password": resource.NewNullProperty(),
			"privateKey": str(encKey), "privateKeyPassword": str("kp")}),
		"create": str("true"),
	})
	if err != nil {
		t.Fatalf("encrypted key: %v", err)
	}
	_, _, err = create(t, New(nil), resource.PropertyMap{
		"connection": conn(s, map[string]resource.PropertyValue{"password": resource.NewNullProperty(),
			"privateKey": str(encKey)}),
		"create": str("true"),
	})
	if err == nil || !strings.Contains(err.Error(), "encrypted") {
		t.Errorf("encrypted key without password: %v", err)
	}

	// Wrong password auth fails after the retries, naming the endpoint.
	_, _, err = create(t, New(nil), resource.PropertyMap{
		"connection": conn(s, map[string]resource.PropertyValue{"password": str("wrong"), "dialErrorLimit": num(0)}),
		"create":     str("true"),
	})
	if err == nil || !strings.Contains(err.Error(), "unable to authenticate") ||
		!strings.Contains(err.Error(), fmt.Sprintf("127.0.0.1:%d", s.port())) {
		t.Errorf("wrong password: %v", err)
	}
}

func TestProxy(t *testing.T) {
	target := startServer(t, nil)
	bastion := startServer(t, func(s *testServer) { s.user = "jump"; s.password = "jpw" })
	_, out, err := create(t, New(nil), resource.PropertyMap{
		"connection": conn(target, map[string]resource.PropertyValue{
			"proxy": resource.NewObjectProperty(resource.PropertyMap{
				"host": str("127.0.0.1"), "port": num(bastion.port()), "user": str("jump"), "password": str("jpw"),
				"hostKey": str(string(ssh.MarshalAuthorizedKey(bastion.hostSigner.PublicKey()))),
			}),
		}),
		"create": str("echo via-bastion"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if outStr(t, out, "stdout") != "via-bastion" {
		t.Errorf("stdout = %q", outStr(t, out, "stdout"))
	}
	if bastion.conns.Load() != 1 || target.conns.Load() != 1 {
		t.Errorf("connections: bastion %d, target %d", bastion.conns.Load(), target.conns.Load())
	}
}

func TestCancelAbortsRunningCommand(t *testing.T) {
	s := startServer(t, nil)
	p := New(nil)
	errCh := make(chan error, 1)
	go func() {
		_, _, err := create(t, p, resource.PropertyMap{"connection": conn(s, nil), "create": str("sleep 30")})
		errCh <- err
	}()
	time.Sleep(500 * time.Millisecond)
	if _, err := p.Cancel(context.Background(), &emptypb.Empty{}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errCh:
		if err == nil || !strings.Contains(err.Error(), "cancel") {
			t.Errorf("err = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("cancel did not abort the command")
	}
}

func TestCheckAndUnknownType(t *testing.T) {
	p := New(nil)
	check := func(m resource.PropertyMap) []*pulumirpc.CheckFailure {
		resp, err := p.Check(context.Background(), &pulumirpc.CheckRequest{Urn: testURN, News: marshal(t, m)})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetFailures()
	}
	if f := check(resource.PropertyMap{"create": str("x")}); len(f) != 1 || f[0].GetProperty() != "connection" {
		t.Errorf("missing connection: %v", f)
	}
	c := secret(resource.NewObjectProperty(resource.PropertyMap{"host": str("h")}))
	if f := check(resource.PropertyMap{"connection": c, "logging": str("loud")}); len(f) != 1 ||
		!strings.Contains(f[0].GetReason(), "logging") {
		t.Errorf("bad logging: %v", f)
	}
	if f := check(resource.PropertyMap{"connection": c, "create": str("x")}); len(f) != 0 {
		t.Errorf("valid inputs: %v", f)
	}
	if f := check(resource.PropertyMap{"connection": c, "create": resource.MakeComputed(str(""))}); len(f) != 0 {
		t.Errorf("unknown inputs: %v", f)
	}
	_, err := p.Create(context.Background(), &pulumirpc.CreateRequest{
		Urn: "urn:pulumi:dev::proj::command:local:Command::x", Properties: marshal(t, resource.PropertyMap{})})
	if err == nil || !strings.Contains(err.Error(), "command:local:Command") || !strings.Contains(err.Error(), RemoteCommand) {
		t.Errorf("unknown type: %v", err)
	}
	cfg, err := p.Configure(context.Background(), &pulumirpc.ConfigureRequest{})
	if err != nil || !cfg.GetAcceptSecrets() || !cfg.GetSupportsPreview() {
		t.Errorf("configure = %v, %v", cfg, err)
	}
	info, _ := p.GetPluginInfo(context.Background(), &emptypb.Empty{})
	if info.GetVersion() != "1.2.1" {
		t.Errorf("version = %q", info.GetVersion())
	}
}
