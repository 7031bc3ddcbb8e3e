// Command crdprep gathers CustomResourceDefinitions for the test apiserver.
//
// Usage: crdprep [-storage-only GROUP,...] OUT_DIR SRC_DIR...
//
// It reads every YAML file under the source directories, keeps the documents that are
// CustomResourceDefinitions, and writes each to OUT_DIR/<metadata.name>.yaml. A CRD whose
// versions convert through a webhook, or whose group is listed in -storage-only (Longhorn's), is
// reduced to its storage version without the conversion stanza: no webhook runs beside a test
// apiserver, so requests for another version would fail there or, with no conversion at all,
// be validated against the wrong schema.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Groups whose CRDs keep only their storage version, from -storage-only.
var storageOnly = map[string]bool{}

func main() {
	groups := flag.String("storage-only", "", "comma-separated API groups whose CRDs keep only their storage version")
	flag.Parse()
	for _, g := range strings.Split(*groups, ",") {
		if g != "" {
			storageOnly[g] = true
		}
	}
	if flag.NArg() < 2 {
		fmt.Fprintln(os.Stderr, "usage: crdprep [-storage-only GROUP,...] OUT_DIR SRC_DIR...")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), flag.Args()[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "crdprep:", err)
		os.Exit(1)
	}
}

func run(out string, srcs []string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, src := range srcs {
		err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !(strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
				return nil
			}
			return file(out, path)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func file(out, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := utilyaml.NewYAMLReader(bufio.NewReader(f))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var obj map[string]any
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if obj["kind"] != "CustomResourceDefinition" {
			continue
		}
		name, _ := obj["metadata"].(map[string]any)["name"].(string)
		if name == "" {
			return fmt.Errorf("%s: a CRD without metadata.name", path)
		}
		if err := reduceToStorageVersion(obj); err != nil {
			return fmt.Errorf("%s: %s: %w", path, name, err)
		}
		data, err := yaml.Marshal(obj)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, name+".yaml"), data, 0o644); err != nil {
			return err
		}
	}
}

func reduceToStorageVersion(crd map[string]any) error {
	spec, _ := crd["spec"].(map[string]any)
	conv, _ := spec["conversion"].(map[string]any)
	group, _ := spec["group"].(string)
	if !storageOnly[group] && (conv == nil || conv["strategy"] != "Webhook") {
		return nil
	}
	versions, _ := spec["versions"].([]any)
	var kept []any
	for _, v := range versions {
		if m, _ := v.(map[string]any); m != nil && m["storage"] == true {
			m["served"] = true
			kept = append(kept, m)
		}
	}
	if len(kept) != 1 {
		return fmt.Errorf("expected one storage version, found %d", len(kept))
	}
	spec["versions"] = kept
	delete(spec, "conversion")
	return nil
}
