// pulumi-resource-snowflake, rebuilt from the module proxy (scripts/engine/build.sh).
//
// What it is: terraform-provider-snowflake (the version pulumi-snowflake bridges) served through
// pulumi-terraform-bridge (the version pulumi-snowflake's provider/go.mod requires), with the
// package settings of pulumi-snowflake's provider/resources.go: tokens `snowflake:index/<name>:<Name>`
// (tokens.SingleModule), the connection settings read from SNOWFLAKE_HOST, _PORT, _PROTOCOL, ...,
// `previewFeaturesEnabled`, auto-names of 255 characters. Check, Diff (ForceNew, CustomizeDiff),
// Create, Read, Update and Delete are the Terraform provider's own code.
//
// Why not pulumi-snowflake itself: its `provider` module is untagged, and the module proxy refuses
// its pseudo-version at the release commit ("403 This module version is not available").
//
// What it is not: it has no schema (the bridge then skips its type check of inputs in Check, and
// GetSchema answers nothing), no bridge-metadata.json (no auto-aliases of renamed fields), and no
// docs. pulumi-snowflake overrides nothing of the resources this program declares.
package main

import (
	snowflake "github.com/Snowflake-Labs/terraform-provider-snowflake/pkg/provider"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
)

// version is set by the build (-X main.version=...): the @pulumi/snowflake version of package-lock.json.
var version = "0.0.0-dev"

func main() {
	env := func(name string) *tfbridge.SchemaInfo {
		return &tfbridge.SchemaInfo{Default: &tfbridge.DefaultInfo{EnvVars: []string{name}}}
	}
	prov := tfbridge.ProviderInfo{
		P:       shimv2.NewProvider(snowflake.Provider()),
		Name:    "snowflake",
		Version: version,
		Config: map[string]*tfbridge.SchemaInfo{
			"preview_features_enabled": {Name: "previewFeaturesEnabled"},
			"host":                     env("SNOWFLAKE_HOST"),
			"password":                 env("SNOWFLAKE_PASSWORD"),
			"port":                     env("SNOWFLAKE_PORT"),
			"private_key_passphrase":   env("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"),
			"protocol":                 env("SNOWFLAKE_PROTOCOL"),
			"role":                     env("SNOWFLAKE_ROLE"),
			"warehouse":                env("SNOWFLAKE_WAREHOUSE"),
		},
	}
	prov.MustComputeTokens(tokens.SingleModule("snowflake_", "index", tokens.MakeStandard("snowflake")))
	prov.SetAutonaming(255, "-")
	tfbridge.Main("snowflake", version, prov, nil)
}
