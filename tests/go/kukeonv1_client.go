// tests/go/kukeonv1_client.go - a kukeonv1 client built from Go's own net/rpc and
// net/rpc/jsonrpc (standard library only), so bats can check kukeond against the codec a
// Go v0.5.0 `kuke` really uses, not a reimplementation of it. Replies are decoded into
// typed structs shaped as upstream's wire messages (runtime reference §1.3): a field of the
// wrong JSON type fails the decode.
//
//	kukeonv1_client SOCKET ping
//	kukeonv1_client SOCKET realm NAME      create, get, list, delete one realm
//	kukeonv1_client SOCKET cascade NAME    DeleteRealm --cascade over a space: found doc, tokens
//	kukeonv1_client SOCKET children NAME   DeleteStack, DeleteSpace, PurgeSpace replies
//	kukeonv1_client SOCKET errors          Go's transport and application errors
//	kukeonv1_client SOCKET pipeline G N    G goroutines, N calls each, on one connection
//
// Prints one line per check; exits 1 at the first failure.
package main

import (
	"fmt"
	"net/rpc"
	"net/rpc/jsonrpc"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

type APIError struct {
	Kind    string
	Message string
}

type Metadata struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels,omitempty"`
}

type RealmStatus struct {
	State                    string    `json:"state"`
	CgroupPath               string    `json:"cgroupPath"`
	CreatedAt                time.Time `json:"createdAt"`
	UpdatedAt                time.Time `json:"updatedAt"`
	CgroupReady              bool      `json:"cgroupReady"`
	ContainerdNamespaceReady bool      `json:"containerdNamespaceReady"`
}

type RealmDoc struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Metadata   Metadata `json:"metadata"`
	Spec       struct {
		Namespace string `json:"namespace"`
	} `json:"spec"`
	Status RealmStatus `json:"status"`
}

type DocArgs struct{ Doc RealmDoc }

// A request doc as upstream's client marshals one: its zero state is the label "Pending".
func realmDoc(name string) RealmDoc {
	return RealmDoc{APIVersion: "v1beta1", Kind: "Realm", Metadata: Metadata{Name: name},
		Status: RealmStatus{State: "Pending"}}
}

type DeleteArgs struct {
	Doc     RealmDoc
	Force   bool
	Cascade bool
}

type PingReply struct {
	OK      bool
	Version string
	Err     *APIError
}

type CreateRealmReply struct {
	Result struct {
		Realm                         RealmDoc
		MetadataExistsPre             bool
		MetadataExistsPost            bool
		CgroupCreated                 bool
		ContainerdNamespaceExistsPost bool
		Created                       bool
	}
	Err *APIError
}

type GetRealmReply struct {
	Result struct {
		Realm                     RealmDoc
		MetadataExists            bool
		CgroupExists              bool
		ContainerdNamespaceExists bool
	}
	Err *APIError
}

type ListRealmsReply struct {
	Realms []RealmDoc
	Err    *APIError
}

type DeleteRealmReply struct {
	Result struct {
		Realm                      RealmDoc
		Deleted                    []string
		MetadataDeleted            bool
		CgroupDeleted              bool
		ContainerdNamespaceDeleted bool
	}
	Err *APIError
}

// Space and stack docs as upstream's v1beta1 types tag them (the keys these checks read).
type HierStatus struct {
	State      string    `json:"state"`
	CgroupPath string    `json:"cgroupPath"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
	ReadyAt    time.Time `json:"readyAt"`
}

type SpaceDoc struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Metadata   Metadata `json:"metadata"`
	Spec       struct {
		RealmID       string `json:"realmId"`
		CNIConfigPath string `json:"cniConfigPath,omitempty"`
	} `json:"spec"`
	Status HierStatus `json:"status"`
}

type StackDoc struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Metadata   Metadata `json:"metadata"`
	Spec       struct {
		ID      string `json:"id"`
		RealmID string `json:"realmId"`
		SpaceID string `json:"spaceId"`
	} `json:"spec"`
	Status HierStatus `json:"status"`
}

func spaceDoc(realm, name string) SpaceDoc {
	d := SpaceDoc{APIVersion: "v1beta1", Kind: "Space", Metadata: Metadata{Name: name},
		Status: HierStatus{State: "Pending"}}
	d.Spec.RealmID = realm
	return d
}

func stackDoc(realm, space, name string) StackDoc {
	d := StackDoc{APIVersion: "v1beta1", Kind: "Stack", Metadata: Metadata{Name: name},
		Status: HierStatus{State: "Pending"}}
	d.Spec.ID, d.Spec.RealmID, d.Spec.SpaceID = name, realm, space
	return d
}

type SpaceArgs struct{ Doc SpaceDoc }
type StackArgs struct{ Doc StackDoc }

type SpaceDeleteArgs struct {
	Doc     SpaceDoc
	Force   bool
	Cascade bool
}

type StackDeleteArgs struct {
	Doc     StackDoc
	Force   bool
	Cascade bool
}

type CreatedReply struct {
	Result struct{ Created bool }
	Err    *APIError
}

type DeleteSpaceReply struct {
	Result struct {
		Space             SpaceDoc
		SpaceName         string
		RealmName         string
		MetadataDeleted   bool
		CgroupDeleted     bool
		CNINetworkDeleted bool
		Deleted           []string
	}
	Err *APIError
}

type DeleteStackReply struct {
	Result struct {
		Stack           StackDoc
		StackName       string
		RealmName       string
		SpaceName       string
		MetadataDeleted bool
		CgroupDeleted   bool
		Deleted         []string
	}
	Err *APIError
}

type PurgeSpaceReply struct {
	Result struct {
		Space             SpaceDoc
		MetadataDeleted   bool
		CgroupDeleted     bool
		CNINetworkDeleted bool
		PurgeSucceeded    bool
		Force             bool
		Cascade           bool
		Deleted           []string
		Purged            []string
	}
	Err *APIError
}

func fail(format string, a ...interface{}) {
	fmt.Printf("FAIL "+format+"\n", a...)
	os.Exit(1)
}

func pass(format string, a ...interface{}) { fmt.Printf("ok "+format+"\n", a...) }

func call(c *rpc.Client, method string, args, reply interface{}) {
	if err := c.Call("KukeonV1."+method, args, reply); err != nil {
		fail("%s: %v", method, err)
	}
}

func ping(c *rpc.Client) {
	var r PingReply
	call(c, "Ping", struct{}{}, &r)
	if !r.OK || r.Version == "" || r.Err != nil {
		fail("Ping: %+v", r)
	}
	pass("Ping: OK, version %s", r.Version)
}

func realm(c *rpc.Client, name string) {
	doc := realmDoc(name)
	var cr CreateRealmReply
	call(c, "CreateRealm", DocArgs{doc}, &cr)
	if cr.Err != nil || !cr.Result.Created || cr.Result.MetadataExistsPre ||
		!cr.Result.MetadataExistsPost || cr.Result.Realm.Metadata.Name != name {
		if cr.Err != nil {
			fail("CreateRealm: %s: %s", cr.Err.Kind, cr.Err.Message)
		}
		fail("CreateRealm: %+v", cr)
	}
	pass("CreateRealm %s: created", name)

	var gr GetRealmReply
	call(c, "GetRealm", DocArgs{doc}, &gr)
	st := gr.Result.Realm.Status
	if gr.Err != nil || !gr.Result.MetadataExists || st.State != "Ready" ||
		st.CreatedAt.IsZero() || time.Since(st.CreatedAt) > time.Hour {
		fail("GetRealm: %+v", gr)
	}
	pass("GetRealm %s: Ready, created %s", name, st.CreatedAt.Format(time.RFC3339Nano))

	var lr ListRealmsReply
	call(c, "ListRealms", struct{}{}, &lr)
	found := false
	for _, r := range lr.Realms {
		found = found || (r.Metadata.Name == name && r.APIVersion == "v1beta1" && r.Kind == "Realm")
	}
	if lr.Err != nil || !found {
		fail("ListRealms: %s missing from %+v", name, lr)
	}
	pass("ListRealms: %d realms, %s among them", len(lr.Realms), name)

	var missing GetRealmReply
	call(c, "GetRealm", DocArgs{realmDoc(name + "-nope")}, &missing)
	// upstream's controller loses the sentinel here: Kind "Unknown" (reference §1.4)
	if missing.Result.MetadataExists || missing.Err == nil ||
		!strings.Contains(missing.Err.Message, "not found") {
		fail("GetRealm of a missing realm: %+v", missing)
	}
	pass("GetRealm of a missing realm: Err %s: %s", missing.Err.Kind, missing.Err.Message)

	var dr DeleteRealmReply
	call(c, "DeleteRealm", DeleteArgs{Doc: doc}, &dr)
	if dr.Err != nil || !dr.Result.MetadataDeleted || !strings.Contains(strings.Join(dr.Result.Deleted, ","), "metadata") {
		fail("DeleteRealm: %+v", dr)
	}
	pass("DeleteRealm %s: %s", name, strings.Join(dr.Result.Deleted, ","))
}

func apiErr(e *APIError) string {
	if e == nil {
		return "<nil>"
	}
	return e.Kind + ": " + e.Message
}

func tokens(v []string) string { return "[" + strings.Join(v, " ") + "]" }

func create(c *rpc.Client, method string, args interface{}, what string) {
	var r CreatedReply
	call(c, method, args, &r)
	if r.Err != nil || !r.Result.Created {
		fail("%s %s: %s", method, what, apiErr(r.Err))
	}
}

// DeleteRealm --cascade over a realm holding one space: the realm as found, the space's
// token first, then upstream's fixed ones.
func cascade(c *rpc.Client, name string) {
	create(c, "CreateRealm", DocArgs{realmDoc(name)}, name)
	create(c, "CreateSpace", SpaceArgs{spaceDoc(name, "sp1")}, "sp1")
	var dr DeleteRealmReply
	call(c, "DeleteRealm", DeleteArgs{Doc: realmDoc(name), Cascade: true}, &dr)
	r := dr.Result
	if dr.Err != nil {
		fail("DeleteRealm --cascade: %s", apiErr(dr.Err))
	}
	if r.Realm.APIVersion != "v1beta1" || r.Realm.Kind != "Realm" || r.Realm.Metadata.Name != name ||
		r.Realm.Spec.Namespace != name+".kukeon.io" || r.Realm.Status.State != "Ready" ||
		r.Realm.Status.CreatedAt.IsZero() {
		fail("DeleteRealm --cascade: Realm is not the realm found: %+v", r.Realm)
	}
	if tokens(r.Deleted) != "[space:sp1 metadata cgroup namespace]" ||
		!r.MetadataDeleted || !r.CgroupDeleted || !r.ContainerdNamespaceDeleted {
		fail("DeleteRealm --cascade: %+v", r)
	}
	pass("DeleteRealm %s --cascade: Realm %s (%s), Deleted %s", name, r.Realm.Metadata.Name,
		r.Realm.Status.State, tokens(r.Deleted))
	var missing DeleteRealmReply
	call(c, "DeleteRealm", DeleteArgs{Doc: realmDoc(name)}, &missing)
	if missing.Err == nil || missing.Result.Deleted != nil || missing.Result.Realm.APIVersion != "" {
		fail("DeleteRealm of a missing realm: %+v", missing)
	}
	pass("DeleteRealm of a missing realm: zero Result, Err %s", apiErr(missing.Err))
}

// DeleteStack and DeleteSpace name what they deleted; PurgeSpace reports its flags and
// upstream's fixed Deleted and Purged tokens.
func children(c *rpc.Client, name string) {
	create(c, "CreateRealm", DocArgs{realmDoc(name)}, name)
	create(c, "CreateSpace", SpaceArgs{spaceDoc(name, "sp1")}, "sp1")
	create(c, "CreateStack", StackArgs{stackDoc(name, "sp1", "st1")}, "st1")

	var ds DeleteStackReply
	call(c, "DeleteStack", StackDeleteArgs{Doc: stackDoc(name, "sp1", "st1")}, &ds)
	t := ds.Result
	if ds.Err != nil || t.StackName != "st1" || t.RealmName != name || t.SpaceName != "sp1" ||
		t.Stack.Kind != "Stack" || t.Stack.Metadata.Name != "st1" || t.Stack.Spec.SpaceID != "sp1" ||
		t.Stack.Status.State != "Ready" || !t.MetadataDeleted || !t.CgroupDeleted ||
		tokens(t.Deleted) != "[metadata cgroup]" {
		fail("DeleteStack: %s %+v", apiErr(ds.Err), t)
	}
	pass("DeleteStack %s/%s/%s: Stack %s, Deleted %s", t.RealmName, t.SpaceName, t.StackName,
		t.Stack.Metadata.Name, tokens(t.Deleted))

	var dsp DeleteSpaceReply
	call(c, "DeleteSpace", SpaceDeleteArgs{Doc: spaceDoc(name, "sp1")}, &dsp)
	p := dsp.Result
	if dsp.Err != nil || p.SpaceName != "sp1" || p.RealmName != name || p.Space.Kind != "Space" ||
		p.Space.Metadata.Name != "sp1" || p.Space.Spec.RealmID != name ||
		p.Space.Spec.CNIConfigPath == "" || !p.MetadataDeleted || !p.CgroupDeleted ||
		!p.CNINetworkDeleted || tokens(p.Deleted) != "[metadata cgroup network]" {
		fail("DeleteSpace: %s %+v", apiErr(dsp.Err), p)
	}
	pass("DeleteSpace %s/%s: Space %s, Deleted %s", p.RealmName, p.SpaceName,
		p.Space.Metadata.Name, tokens(p.Deleted))

	create(c, "CreateSpace", SpaceArgs{spaceDoc(name, "sp2")}, "sp2")
	var ps PurgeSpaceReply
	call(c, "PurgeSpace", SpaceDeleteArgs{Doc: spaceDoc(name, "sp2"), Force: true}, &ps)
	q := ps.Result
	if ps.Err != nil || q.Space.Metadata.Name != "sp2" || q.Space.Spec.RealmID != name ||
		!q.PurgeSucceeded || !q.Force || q.Cascade || !q.MetadataDeleted ||
		tokens(q.Deleted) != "[metadata cgroup network]" ||
		tokens(q.Purged) != "[cni-network cni-cache orphaned-containers all-metadata]" {
		fail("PurgeSpace: %s %+v", apiErr(ps.Err), q)
	}
	pass("PurgeSpace %s/%s --force: PurgeSucceeded, Deleted %s, Purged %s", name,
		q.Space.Metadata.Name, tokens(q.Deleted), tokens(q.Purged))

	var dr DeleteRealmReply
	call(c, "DeleteRealm", DeleteArgs{Doc: realmDoc(name)}, &dr)
	if dr.Err != nil || tokens(dr.Result.Deleted) != "[metadata cgroup namespace]" {
		fail("DeleteRealm: %s %+v", apiErr(dr.Err), dr.Result)
	}
	pass("DeleteRealm %s: Deleted %s", name, tokens(dr.Result.Deleted))
}

func errorsCheck(c *rpc.Client) {
	var r PingReply
	err := c.Call("KukeonV1.Nope", struct{}{}, &r)
	if err == nil || err.Error() != "rpc: can't find method KukeonV1.Nope" {
		fail("unknown method: %v", err)
	}
	pass("unknown method: %v", err)
	err = c.Call("Other.Ping", struct{}{}, &r)
	if err == nil || err.Error() != "rpc: can't find service Other.Ping" {
		fail("unknown service: %v", err)
	}
	pass("unknown service: %v", err)
	// the connection is still usable after both
	ping(c)
}

func pipeline(c *rpc.Client, g, n int) {
	var wg sync.WaitGroup
	errs := make(chan error, g*n)
	for i := 0; i < g; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for k := 0; k < n; k++ {
				if (i+k)%2 == 0 {
					var r PingReply
					if err := c.Call("KukeonV1.Ping", struct{}{}, &r); err != nil || !r.OK {
						errs <- fmt.Errorf("Ping: %v %+v", err, r)
					}
				} else {
					var r ListRealmsReply
					if err := c.Call("KukeonV1.ListRealms", struct{}{}, &r); err != nil || r.Err != nil || r.Realms == nil {
						errs <- fmt.Errorf("ListRealms: %v %+v", err, r.Err)
					}
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		fail("pipeline: %v", err)
	}
	pass("pipeline: %d goroutines x %d calls on one connection", g, n)
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: kukeonv1_client SOCKET ping|realm NAME|cascade NAME|children NAME|errors|pipeline G N")
		os.Exit(2)
	}
	c, err := jsonrpc.Dial("unix", os.Args[1])
	if err != nil {
		fail("dial %s: %v", os.Args[1], err)
	}
	defer c.Close()
	switch os.Args[2] {
	case "ping":
		ping(c)
	case "realm":
		realm(c, os.Args[3])
	case "cascade":
		cascade(c, os.Args[3])
	case "children":
		children(c, os.Args[3])
	case "errors":
		errorsCheck(c)
	case "pipeline":
		g, _ := strconv.Atoi(os.Args[3])
		n, _ := strconv.Atoi(os.Args[4])
		pipeline(c, g, n)
	default:
		fail("unknown check %s", os.Args[2])
	}
}
