// pulumi-resource-docker, built here from Go modules.
//
// pulumi/pulumi-docker's provider module is not served by the Go module proxy
// (403 "This module version is not available" for github.com/pulumi/pulumi-docker/provider/v5
// at every version), so this is the same recipe it uses: kreuzwerker's
// terraform-provider-docker, bridged by pulumi-terraform-bridge, registered as
// docker 5.2.0 for @pulumi/docker 5.2.0. Only the mappings @pulumi/docker's
// SDK relies on for the resources below are repeated here; every other name is
// the bridge's default (snake_case to camelCase, lists pluralised), as in pulumi-docker.
package main

import (
	_ "embed"
	"unicode"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/terraform-providers/terraform-provider-docker/shim"
)

// version is set by the build script (-X main.version=...).
var version = "5.2.0"

func resource(res string) tokens.Type {
	file := string(unicode.ToLower(rune(res[0]))) + res[1:]
	return tokens.Type("docker:index/" + file + ":" + res)
}

func provider() tfbridge.ProviderInfo {
	prov := tfbridge.ProviderInfo{
		P:       shimv2.NewProvider(shim.NewProvider(version)),
		Name:    "docker",
		Version: version,
		Config: map[string]*tfbridge.SchemaInfo{
			"host": {Default: &tfbridge.DefaultInfo{Value: "unix:///var/run/docker.sock", EnvVars: []string{"DOCKER_HOST"}}},
			"registry_auth": {Name: "registryAuth", MaxItemsOne: tfbridge.False()},
		},
		Resources: map[string]*tfbridge.ResourceInfo{
			"docker_container": {
				Tok:                 resource("Container"),
				DeleteBeforeReplace: true,
				Fields: map[string]*tfbridge.SchemaInfo{
					"command":           {Name: "command"},
					"networks_advanced": {Name: "networksAdvanced"},
				},
			},
			"docker_image":   {Tok: resource("RemoteImage"), Fields: map[string]*tfbridge.SchemaInfo{"name": {Name: "name"}}},
			"docker_network": {Tok: resource("Network")},
			"docker_volume":  {Tok: resource("Volume")},
			"docker_tag":     {Tok: resource("Tag")},
		},
	}
	prov.SetAutonaming(255, "-")
	return prov
}

func main() {
	// The schema is only served to `pulumi package` tooling; the engine does not read it for a program's deployment.
	tfbridge.Main("docker", version, provider(), []byte(`{"name":"docker","version":"`+version+`"}`))
}
