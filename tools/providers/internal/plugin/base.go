package plugin

import (
	"context"
	"encoding/json"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Base answers the provider-level calls both plugins share: plugin info, a minimal
// schema, any provider configuration, and the capabilities (secrets, previews).
// Embed it and implement the resource calls.
type Base struct {
	pulumirpc.UnimplementedResourceProviderServer

	Name, Version, Description string
}

// GetPluginInfo reports the plugin version.
func (b *Base) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: b.Version}, nil
}

// GetSchema returns a minimal schema.
func (b *Base) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	s, err := json.Marshal(map[string]any{
		"name":        b.Name,
		"version":     b.Version,
		"description": b.Description,
		"resources":   map[string]any{},
	})
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetSchemaResponse{Schema: string(s)}, nil
}

// CheckConfig accepts any provider configuration.
func (b *Base) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

// Configure declares the provider's capabilities.
func (b *Base) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}
