package plugin

import (
	"context"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// Logger sends diagnostics to the engine. A nil Logger discards everything.
type Logger interface {
	Log(ctx context.Context, sev diag.Severity, urn resource.URN, msg string) error
	LogStatus(ctx context.Context, sev diag.Severity, urn resource.URN, msg string) error
}

// Host is a client of the engine's RPC interface (only logging is used).
type Host struct {
	conn   *grpc.ClientConn
	client pulumirpc.EngineClient
}

// NewHost connects to the engine at addr.
func NewHost(addr string) (*Host, error) {
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		rpcutil.GrpcChannelOptions())
	if err != nil {
		return nil, err
	}
	return &Host{conn: conn, client: pulumirpc.NewEngineClient(conn)}, nil
}

// Close closes the connection to the engine.
func (h *Host) Close() error { return h.conn.Close() }

func (h *Host) log(ctx context.Context, sev diag.Severity, urn resource.URN, msg string, ephemeral bool) error {
	var rpcsev pulumirpc.LogSeverity
	switch sev {
	case diag.Debug:
		rpcsev = pulumirpc.LogSeverity_DEBUG
	case diag.Warning:
		rpcsev = pulumirpc.LogSeverity_WARNING
	case diag.Error:
		rpcsev = pulumirpc.LogSeverity_ERROR
	default:
		rpcsev = pulumirpc.LogSeverity_INFO
	}
	_, err := h.client.Log(ctx, &pulumirpc.LogRequest{
		Severity:  rpcsev,
		Message:   strings.ToValidUTF8(msg, "\uFFFD"),
		Urn:       string(urn),
		Ephemeral: ephemeral,
	})
	return err
}

// Log logs a message attached to a resource (shown in the diagnostics).
func (h *Host) Log(ctx context.Context, sev diag.Severity, urn resource.URN, msg string) error {
	return h.log(ctx, sev, urn, msg, false)
}

// LogStatus logs an ephemeral status message (shown in the progress display only).
func (h *Host) LogStatus(ctx context.Context, sev diag.Severity, urn resource.URN, msg string) error {
	return h.log(ctx, sev, urn, msg, true)
}
