// Package plugin holds the small amount of plumbing shared by the two resource
// provider plugins: serving the gRPC ResourceProvider interface to the Pulumi
// engine, logging back to the engine, and converting property maps.
package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/grpclog"
)

// gRPC must never write to stdout: the engine reads the port number from it.
func init() { grpclog.SetLoggerV2(grpclog.NewLoggerV2(io.Discard, io.Discard, os.Stderr)) }

// engineAddress extracts the engine's RPC address from the plugin's command
// line. The engine passes optional flags first (--logtostderr, -v=N,
// --tracing <endpoint>, ...) and then the address as the only positional
// argument.
func engineAddress(args []string) (string, error) {
	var positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if strings.HasPrefix(a, "-") {
			name := strings.TrimLeft(a, "-")
			// Flags that take a separate value.
			if name == "tracing" || name == "root" {
				i++
			}
			continue
		}
		positional = append(positional, a)
	}
	switch len(positional) {
	case 0:
		return "", nil
	case 1:
		return positional[0], nil
	default:
		return "", fmt.Errorf("expected at most one positional argument (the engine address), got %q", positional)
	}
}

// Main serves the provider returned by mk until the engine goes away or sends
// SIGINT. It prints the chosen port on stdout, as the plugin protocol requires.
func Main(name string, mk func(host *Host) (pulumirpc.ResourceProviderServer, error)) error {
	addr, err := engineAddress(os.Args[1:])
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()

	var host *Host
	if addr != "" {
		host, err = NewHost(addr)
		if err != nil {
			return fmt.Errorf("%s: could not connect to the engine at %s: %w", name, addr, err)
		}
		defer host.Close()
		// Stop serving if the engine stops answering health checks.
		if err := rpcutil.Healthcheck(ctx, addr, 5*time.Minute, cancel); err != nil {
			return fmt.Errorf("%s: could not start engine health check: %w", name, err)
		}
	}

	cancelCh := make(chan bool)
	go func() {
		<-ctx.Done()
		close(cancelCh)
	}()

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancelCh,
		Init: func(srv *grpc.Server) error {
			prov, err := mk(host)
			if err != nil {
				return err
			}
			pulumirpc.RegisterResourceProviderServer(srv, prov)
			return nil
		},
	})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
