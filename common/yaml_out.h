/* common/yaml_out.h - print a cJSON tree the way upstream's Go code prints its results:
 * YAML as yaml.v3 with a 2-space indent (sequences indented under their key) and JSON as
 * json.MarshalIndent(v, "", "  ") (HTML characters escaped, as Go does).
 *
 * Minimal on purpose: scalars are strings, numbers, booleans and null; keys are printed
 * in tree order. KK_YAML_OUT_LOWER_KEYS prints keys lower-cased, as yaml.v3 names the
 * fields of a Go struct without tags. Both return a new string ending in "\n". */
#ifndef KK_COMMON_YAML_OUT_H
#define KK_COMMON_YAML_OUT_H

struct cJSON;

enum { KK_YAML_OUT_LOWER_KEYS = 1 };

char *kk_yaml_out_emit(const struct cJSON *tree, int flags);
char *kk_json_out_print(const struct cJSON *tree);

#endif
