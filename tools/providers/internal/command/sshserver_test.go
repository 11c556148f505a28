package command

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"golang.org/x/crypto/ssh"
)

// testServer is a minimal SSH server on 127.0.0.1 that runs exec requests
// with /bin/sh, honours env requests (when allowed), reports exit codes and
// forwards direct-tcpip channels (so it can act as a bastion).
type testServer struct {
	t          *testing.T
	ln         net.Listener
	hostSigner ssh.Signer
	user       string
	password   string
	authorized ssh.PublicKey
	acceptEnv  bool

	conns atomic.Int32 // TCP connections accepted
	wg    sync.WaitGroup
}

func newKey(t *testing.T) (ed25519.PrivateKey, ssh.Signer) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return priv, s
}

func newSigner(t *testing.T) ssh.Signer {
	_, s := newKey(t)
	return s
}

func startServer(t *testing.T, configure func(*testServer)) *testServer {
	t.Helper()
	s := &testServer{t: t, hostSigner: newSigner(t), user: "tester", password: "pw", acceptEnv: true}
	if configure != nil {
		configure(s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.ln = ln
	cfg := &ssh.ServerConfig{
		PasswordCallback: func(c ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			if c.User() == s.user && s.password != "" && string(pw) == s.password {
				return nil, nil
			}
			return nil, errors.New("bad password")
		},
		PublicKeyCallback: func(c ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if c.User() == s.user && s.authorized != nil && string(key.Marshal()) == string(s.authorized.Marshal()) {
				return nil, nil
			}
			return nil, errors.New("unknown key")
		},
	}
	cfg.AddHostKey(s.hostSigner)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serveConn(conn, cfg)
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
	})
	return s
}

func (s *testServer) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *testServer) serveConn(conn net.Conn, cfg *ssh.ServerConfig) {
	defer conn.Close()
	sconn, chans, reqs, err := ssh.NewServerConn(conn, cfg)
	if err != nil {
		return
	}
	defer sconn.Close()
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		switch nc.ChannelType() {
		case "session":
			ch, creqs, err := nc.Accept()
			if err != nil {
				continue
			}
			go s.serveSession(ch, creqs)
		case "direct-tcpip":
			var p struct {
				Host     string
				Port     uint32
				OrigHost string
				OrigPort uint32
			}
			if err := ssh.Unmarshal(nc.ExtraData(), &p); err != nil {
				_ = nc.Reject(ssh.ConnectionFailed, "bad payload")
				continue
			}
			target, err := net.Dial("tcp", net.JoinHostPort(p.Host, strconv.Itoa(int(p.Port))))
			if err != nil {
				_ = nc.Reject(ssh.ConnectionFailed, err.Error())
				continue
			}
			ch, creqs, err := nc.Accept()
			if err != nil {
				_ = target.Close()
				continue
			}
			go ssh.DiscardRequests(creqs)
			go func() {
				_, _ = io.Copy(target, ch)
				_ = target.(*net.TCPConn).CloseWrite()
			}()
			go func() {
				_, _ = io.Copy(ch, target)
				_ = ch.Close()
				_ = target.Close()
			}()
		default:
			_ = nc.Reject(ssh.UnknownChannelType, "unsupported")
		}
	}
}

func (s *testServer) serveSession(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	env := []string{"PATH=/usr/local/bin:/usr/bin:/bin"}
	var cmd *exec.Cmd
	done := make(chan struct{})
	for req := range reqs {
		switch req.Type {
		case "env":
			var kv struct{ Name, Value string }
			if err := ssh.Unmarshal(req.Payload, &kv); err != nil || !s.acceptEnv {
				_ = req.Reply(false, nil)
				continue
			}
			env = append(env, kv.Name+"="+kv.Value)
			_ = req.Reply(true, nil)
		case "exec":
			var p struct{ Command string }
			if err := ssh.Unmarshal(req.Payload, &p); err != nil || cmd != nil {
				_ = req.Reply(false, nil)
				continue
			}
			cmd = exec.Command("/bin/sh", "-c", p.Command)
			cmd.Env = env
			cmd.Stdin = ch
			cmd.Stdout = ch
			cmd.Stderr = ch.Stderr()
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			if err := cmd.Start(); err != nil {
				_ = req.Reply(false, nil)
				return
			}
			_ = req.Reply(true, nil)
			go func(c *exec.Cmd) {
				err := c.Wait()
				code := 0
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					code = ee.ExitCode()
					if code < 0 {
						code = 255
					}
				}
				_ = ch.CloseWrite()
				b := make([]byte, 4)
				binary.BigEndian.PutUint32(b, uint32(code))
				_, _ = ch.SendRequest("exit-status", false, b)
				_ = ch.Close()
				close(done)
			}(cmd)
		case "signal":
			if cmd != nil && cmd.Process != nil {
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			}
			if req.WantReply {
				_ = req.Reply(true, nil)
			}
		default:
			if req.WantReply {
				_ = req.Reply(false, nil)
			}
		}
	}
	// Channel closed by the client: stop whatever still runs.
	if cmd != nil && cmd.Process != nil {
		select {
		case <-done:
		default:
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
}
