/* A reference custom HSM adapter backed by files, for firstboot's certification kit. One source, three interfaces:
 *   X.509:         ADAPTER_DIR/cert.pem (leaf first), ADAPTER_DIR/key.pem, ADAPTER_DIR/cn.txt
 *   symmetric key: ADAPTER_DIR/symkey.txt (base64), ADAPTER_DIR/regname.txt
 *   TPM (stub):    ADAPTER_DIR/ek.bin, ADAPTER_DIR/srk.bin (marshalled TPM2B_PUBLIC); it cannot activate a key.
 * Build:  gcc -shared -fPIC -O1 -DADAPTER_DIR='"/path/to/dir/"' -o libhsm.so file_adapter.c
 * The BROKEN_* macros turn it into one of the defective adapters the kit must catch (see docs/hsm-certification.md):
 *   BROKEN_WRONG_CN, BROKEN_WRONG_KEY, BROKEN_LEAK, BROKEN_CRASH_ON_NULL, BROKEN_HANG_GET_CERT, BROKEN_SEGV_SIGN,
 *   BROKEN_EXIT_GET_CERT, BROKEN_ABORT_GET_KEY, BROKEN_BAD_EK_SIZE. */
#include "hsm_client_data.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef ADAPTER_DIR
#define ADAPTER_DIR "./"
#endif

typedef struct {
    int magic;
    char* leak;
    char* reg_name;
    char* symm_key;
} ADAPTER;

#define MAGIC 0x48534d31

static int initialised;

static char* read_file(const char* name, size_t* len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s%s", ADAPTER_DIR, name);
    FILE* f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "file_adapter: cannot open %s\n", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char* buf = malloc((size_t)n + 1);
    if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    if (len != NULL) {
        *len = (size_t)n;
    }
    return buf;
}

static char* read_line(const char* name)
{
    char* s = read_file(name, NULL);
    if (s != NULL) {
        s[strcspn(s, "\r\n")] = '\0';
    }
    return s;
}

static ADAPTER* valid(HSM_CLIENT_HANDLE h)
{
#ifdef BROKEN_CRASH_ON_NULL
    /* dereferences the handle before looking at it */
    if (((ADAPTER*)h)->magic != MAGIC) return NULL;
    return (ADAPTER*)h;
#else
    ADAPTER* a = (ADAPTER*)h;
    return (a != NULL && a->magic == MAGIC) ? a : NULL;
#endif
}

int initialize_hsm_system(void) { initialised = 1; return 0; }
void deinitialize_hsm_system(void) { initialised = 0; }
int hsm_client_x509_init(void) { initialised = 1; return 0; }
void hsm_client_x509_deinit(void) { initialised = 0; }
int hsm_client_tpm_init(void) { initialised = 1; return 0; }
void hsm_client_tpm_deinit(void) { initialised = 0; }

static HSM_CLIENT_HANDLE adapter_create(void)
{
    ADAPTER* a = calloc(1, sizeof *a);
    if (a == NULL) return NULL;
    a->magic = MAGIC;
#ifdef BROKEN_LEAK
    a->leak = malloc(64 * 1024);
    memset(a->leak, 1, 64 * 1024);
#endif
    return a;
}

static void adapter_destroy(HSM_CLIENT_HANDLE h)
{
    ADAPTER* a = valid(h);
    if (a == NULL) return;
#ifndef BROKEN_LEAK
    free(a->leak);
#endif
    free(a->reg_name);
    free(a->symm_key);
    a->magic = 0;
    free(a);
}

/* ---- X.509 ---- */

static char* get_cert(HSM_CLIENT_HANDLE h)
{
    if (valid(h) == NULL) return NULL;
#ifdef BROKEN_HANG_GET_CERT
    for (;;) pause();
#endif
#ifdef BROKEN_EXIT_GET_CERT
    fprintf(stderr, "file_adapter: giving up\n");
    exit(3);
#endif
    return read_file("cert.pem", NULL);
}

static char* get_key(HSM_CLIENT_HANDLE h)
{
    if (valid(h) == NULL) return NULL;
#ifdef BROKEN_ABORT_GET_KEY
    fprintf(stderr, "file_adapter: key store corrupt\n");
    abort();
#endif
#ifdef BROKEN_WRONG_KEY
    return read_file("other-key.pem", NULL);
#else
    return read_file("key.pem", NULL);
#endif
}

static char* get_common_name(HSM_CLIENT_HANDLE h)
{
    if (valid(h) == NULL) return NULL;
    char* cn = read_line("cn.txt");
#ifdef BROKEN_WRONG_CN
    if (cn != NULL) {
        char* other = malloc(strlen(cn) + 7);
        sprintf(other, "%s-other", cn);
        free(cn);
        cn = other;
    }
#endif
    return cn;
}

static const HSM_CLIENT_X509_INTERFACE x509_interface = {
    adapter_create, adapter_destroy, get_cert, get_key, get_common_name
};

const HSM_CLIENT_X509_INTERFACE* hsm_client_x509_interface(void) { return &x509_interface; }

/* ---- symmetric key ---- */

static char* get_symm_key(HSM_CLIENT_HANDLE h)
{
    ADAPTER* a = valid(h);
    if (a == NULL) return NULL;
    if (a->symm_key != NULL) return strdup(a->symm_key);
    return read_line("symkey.txt");
}

static char* get_registration_name(HSM_CLIENT_HANDLE h)
{
    ADAPTER* a = valid(h);
    if (a == NULL) return NULL;
    if (a->reg_name != NULL) return strdup(a->reg_name);
    return read_line("regname.txt");
}

static int set_symm_key_info(HSM_CLIENT_HANDLE h, const char* reg_name, const char* symm_key)
{
    ADAPTER* a = valid(h);
    if (a == NULL || reg_name == NULL || symm_key == NULL) return __LINE__;
    free(a->reg_name);
    free(a->symm_key);
    a->reg_name = strdup(reg_name);
    a->symm_key = strdup(symm_key);
    return 0;
}

static const HSM_CLIENT_KEY_INTERFACE key_interface = {
    adapter_create, adapter_destroy, get_symm_key, get_registration_name, set_symm_key_info
};

const HSM_CLIENT_KEY_INTERFACE* hsm_client_key_interface(void) { return &key_interface; }

/* ---- TPM (stub: keys from files, no activation) ---- */

static int get_tpm_file(HSM_CLIENT_HANDLE h, const char* name, unsigned char** key, size_t* key_len)
{
    if (valid(h) == NULL || key == NULL || key_len == NULL) return __LINE__;
    size_t n = 0;
    char* b = read_file(name, &n);
    if (b == NULL) return __LINE__;
#ifdef BROKEN_BAD_EK_SIZE
    b[1] = (char)(b[1] + 1);
#endif
    *key = (unsigned char*)b;
    *key_len = n;
    return 0;
}

static int get_ek(HSM_CLIENT_HANDLE h, unsigned char** key, size_t* key_len) { return get_tpm_file(h, "ek.bin", key, key_len); }
static int get_srk(HSM_CLIENT_HANDLE h, unsigned char** key, size_t* key_len) { return get_tpm_file(h, "srk.bin", key, key_len); }

static int activate(HSM_CLIENT_HANDLE h, const unsigned char* key, size_t key_len)
{
    if (valid(h) == NULL || key == NULL || key_len == 0) return __LINE__;
    fprintf(stderr, "file_adapter: this stub holds no TPM and cannot activate a key\n");
    return __LINE__;
}

static int sign(HSM_CLIENT_HANDLE h, const unsigned char* data, size_t data_len, unsigned char** out, size_t* out_len)
{
#ifdef BROKEN_SEGV_SIGN
    volatile unsigned char* nowhere = NULL;
    nowhere[data_len] = data[0];
#endif
    if (valid(h) == NULL || data == NULL || data_len == 0 || out == NULL || out_len == NULL) return __LINE__;
    return __LINE__; /* no identity key was ever activated */
}

static const HSM_CLIENT_TPM_INTERFACE tpm_interface = {
    adapter_create, adapter_destroy, activate, get_ek, get_srk, sign
};

const HSM_CLIENT_TPM_INTERFACE* hsm_client_tpm_interface(void) { return &tpm_interface; }
