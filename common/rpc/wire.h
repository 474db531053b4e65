/* common/rpc/wire.h - the kukeonv1 wire (runtime reference §1): Go's net/rpc jsonrpc codec,
 * with each operation's request and reply in upstream's shapes, made from ops.def.
 *
 * A request is {"method":"KukeonV1.<M>","params":[<args>],"id":<n>}; a reply
 * {"id":<n>,"result":<reply>,"error":null}, where an application error travels inside the
 * reply as "Err":{"Kind","Message"} (plus "Code", the errno, a kukeon-c extension a Go
 * client ignores). Keys are Go's field names; documents use the v1beta1 codec. */
#ifndef KK_COMMON_RPC_WIRE_H
#define KK_COMMON_RPC_WIRE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/controller/ops.h"
#include "common/err.h"

struct kk_row_field;
struct kk_rows;

struct cJSON;

#define KK_RPC_SERVICE "KukeonV1"
/* The largest request or reply accepted by default; a larger one is refused and its
 * connection closed (kukeond --max-request-size changes it for requests). LoadImage from a
 * Go kuke carries a whole tarball in base64. */
#define KK_RPC_MESSAGE_MAX (256u << 20)

/* How an operation's arguments travel (the wire_args column of ops.def). */
enum kk_wa_style {
	KK_WA_NONE_,   /* {} */
	KK_WA_DOC_,    /* {"Doc": <doc of the kind>} */
	KK_WA_REF_,    /* {"Doc": <name and parent ids>} */
	KK_WA_REF_FC_, /* {"Doc": ..., "Force": b, "Cascade": b} */
	KK_WA_LIST_,   /* {"RealmName", "SpaceName", "StackName", "CellName"} as the level needs */
	KK_WA_APPLY_,  /* {"RawYAML": base64} */
	KK_WA_IMAGE_LOAD_, /* {"Realm", "Tarball": base64} */
	KK_WA_IMAGE_,      /* {"Realm"} */
	KK_WA_IMAGE_REF_,  /* {"Realm", "Ref"} */
	KK_WA_IMAGE_PULL_, /* {"Realm", "Ref", "Platform"} (kukeon-c; progress stays local) */
	KK_WA_EVENTS_,     /* {"SinceNs", "Cursor", "Inode", "Realm"} (kukeon-c) */
	KK_WA_EXEC_,       /* {"Realm", "Space", "Stack", "Cell", "Container", "Args", "Terminal",
			    * "Stdin", "Stdout", "Stderr", "ExecID", "Width", "Height"} (kukeon-c) */
};
struct kk_wire_args {
	enum kk_wa_style style;
	enum kk_kind kind;
};
#define KK_WA(style, kind)                       \
	{                                        \
		KK_WA_##style##_, KK_KIND_##kind \
	}

/* How a reply travels: a table of fields (common/rpc/ops_wire.c) read by a generic encoder
 * and decoder, or a shape of its own. */
struct kk_wire_field;
struct kk_wire_reply {
	struct cJSON *(*encode)(const struct kk_wire_reply *wr, const void *reply);
	int (*decode)(const struct kk_wire_reply *wr, const struct cJSON *o, void *reply,
		      struct kk_err *err);
	const struct kk_wire_field *fields;
	size_t n_fields;
	const char *wrap; /* "Result": the fields sit in that object; NULL: at the top */
	enum kk_kind kind;
};

struct kk_wire_op {
	struct kk_wire_args args;
	const struct kk_wire_reply *reply;
};
extern const struct kk_wire_op kk_wire_ops[KK_OP_COUNT];

/* Descriptors that came with a request (SCM_RIGHTS), in order; the decoder takes them. */
struct kk_wire_fds {
	int v[8];
	size_t n;
};
void kk_wire_fds_close(struct kk_wire_fds *f);

/* The request's params[0] for op (a new tree). With pass_fd non-NULL the transport can
 * pass a descriptor: LoadImage then sends {"TarballFD":0} (kukeon-c) and sets *pass_fd to
 * the tarball's descriptor to send along, instead of the whole file in base64 (-1: none). */
struct cJSON *kk_wire_args_encode(enum kk_op_id op, const void *args, int *pass_fd,
				  struct kk_err *err);
/* Decode params[0] into args (op's args type, zeroed); release with kk_wire_args_clear()
 * (also after a failure). fds: what came with the request (may be NULL); a descriptor the
 * args take is removed from it. -1: Go's json decoder would have failed (a transport
 * error); -2: the handler's conversion fails (an application error, in the reply's Err). */
int kk_wire_args_decode(enum kk_op_id op, const struct cJSON *params, void *args,
			struct kk_wire_fds *fds, struct kk_err *err);
void kk_wire_args_clear(enum kk_op_id op, void *args);

/* The reply object: the result of a call that returned rc (< 0: err is the application
 * error, and the reply carries a zero result as upstream's does). A new tree. */
struct cJSON *kk_wire_reply_encode(enum kk_op_id op, const void *reply, int rc,
				   const struct kk_err *err);
/* Decode a reply object into reply (zeroed). Returns 0, or -1 with err set: the
 * application error it carried, or what was wrong with it. */
int kk_wire_reply_decode(enum kk_op_id op, const struct cJSON *result, void *reply,
			 struct kk_err *err);

/* The whole response text to call id of List* operation op (a JSON-RPC envelope) cut
 * down to the fields of each item (kk_client_rows()). Returns 0 with out->n, out->cells
 * and out->buf filled, or -1 when the cut does not take it: not a list, not JSON, another
 * id, an error, a Skipped list, a field that is not a string, an unknown state. The caller
 * then decodes the same text the whole way, for the exact result or message. */
int kk_wire_list_rows(enum kk_op_id op, unsigned long id, const char *text, size_t len,
		      const struct kk_row_field *fields, size_t nfields, struct kk_rows *out);

/* {"method":"KukeonV1.<M>","params":[params],"id":id} (params taken). */
struct cJSON *kk_wire_request(enum kk_op_id op, struct cJSON *params, unsigned long id);

/* The end of the first complete JSON value in buf[0..len): its length, 0 when more bytes
 * are needed, -1 when what is there cannot start one (garbage). Leading white space is
 * part of it. */
long kk_wire_scan(const char *buf, size_t len);
/* The same, resumed: a reader that appends to buf scans only the new bytes (a 256 MiB
 * LoadImage arriving in 64 KiB pieces must not be rescanned from its start each time).
 * Start with a zeroed scanner; it is zeroed again when a value is complete, and must be
 * zeroed by the caller when buf is reset otherwise. */
struct kk_wire_scanner {
	size_t pos;
	int depth;
	bool started, in_str, esc;
};
long kk_wire_scan_more(struct kk_wire_scanner *s, const char *buf, size_t len);

/* Shared by the codec's files: a document of kind as the wire carries it (NULL: upstream's
 * zero document), its decoder, and Go's key lookup (exact, then case-insensitive). */
struct cJSON *kk_wire_doc_encode(enum kk_kind kind, const void *doc);
int kk_wire_doc_decode(enum kk_kind kind, const struct cJSON *t, void **out, struct kk_err *err);
const struct cJSON *kk_wire_member(const struct cJSON *o, const char *key);

/* Standard base64 with padding (Go's []byte in JSON). */
char *kk_base64_encode(const void *data, size_t len);
int kk_base64_decode(const char *s, unsigned char **out, size_t *len, struct kk_err *err);

#endif
