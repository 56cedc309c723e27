/* A reference TPM adapter for firstboot's certification kit, on tpm2-tss (ESYS), as the SDK's hsm_client_tpm.c does
 * it: EK and SRK created from the standard templates, DPS's activation blob activated with ActivateCredential (EK
 * under PolicySecret(TPM_RH_ENDORSEMENT)), the identity key imported under the SRK and loaded, and SAS payloads
 * signed with TPM2_HMAC. EK and SRK are created once, at init, and shared by every handle; keys stay transient (the SDK persists them at 0x81010001/0x81000001/0x81000100).
 * Build: gcc -shared -fPIC -O1 -DTPM_TCTI='"swtpm:host=127.0.0.1,port=2321"' -o libtpmhsm.so tpm_tss_adapter.c \
 *            -ltss2-esys -ltss2-mu -ltss2-tctildr
 * Debian: apt-get install libtss2-dev swtpm */
#include "hsm_client_data.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_tctildr.h>

#ifndef TPM_TCTI
#define TPM_TCTI "swtpm:host=127.0.0.1,port=2321"
#endif

/* The TPM connection, EK and SRK are shared by all handles, as the SDK's persisted keys are; a handle holds only
 * the identity key it activated. */
typedef struct {
    TSS2_TCTI_CONTEXT* tcti;
    ESYS_CONTEXT* esys;
    ESYS_TR ek;
    ESYS_TR srk;
    unsigned char ek_pub[sizeof(TPM2B_PUBLIC)];
    size_t ek_len;
    unsigned char srk_pub[sizeof(TPM2B_PUBLIC)];
    size_t srk_len;
} TPM_STATE;

typedef struct {
    TPM_STATE* tpm;
    ESYS_TR id_key;
} TPM_ADAPTER;

static TPM_STATE* shared;

static const unsigned char EK_POLICY[32] = {
    0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc, 0x8d, 0x46, 0xa5, 0xd7, 0x24,
    0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52, 0x0b, 0x64, 0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa};


static TPM2B_PUBLIC rsa_template(int ek)
{
    TPM2B_PUBLIC t;
    memset(&t, 0, sizeof t);
    t.publicArea.type = TPM2_ALG_RSA;
    t.publicArea.nameAlg = TPM2_ALG_SHA256;
    t.publicArea.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN
        | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT
        | (ek ? TPMA_OBJECT_ADMINWITHPOLICY : (TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA));
    if (ek) {
        t.publicArea.authPolicy.size = 32;
        memcpy(t.publicArea.authPolicy.buffer, EK_POLICY, 32);
    }
    t.publicArea.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_AES;
    t.publicArea.parameters.rsaDetail.symmetric.keyBits.aes = 128;
    t.publicArea.parameters.rsaDetail.symmetric.mode.aes = TPM2_ALG_CFB;
    t.publicArea.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
    t.publicArea.parameters.rsaDetail.keyBits = 2048;
    t.publicArea.parameters.rsaDetail.exponent = 0;
    t.publicArea.unique.rsa.size = 256;
    return t;
}

static int create_primary(TPM_STATE* a, ESYS_TR hierarchy, int ek, ESYS_TR* out, unsigned char* pub, size_t* len)
{
    TPM2B_SENSITIVE_CREATE sensitive;
    memset(&sensitive, 0, sizeof sensitive);
    TPM2B_PUBLIC tmpl = rsa_template(ek);
    TPM2B_DATA outside;
    memset(&outside, 0, sizeof outside);
    TPML_PCR_SELECTION pcrs;
    memset(&pcrs, 0, sizeof pcrs);
    TPM2B_PUBLIC* out_public = NULL;
    TSS2_RC rc = Esys_CreatePrimary(a->esys, hierarchy, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sensitive,
                                    &tmpl, &outside, &pcrs, out, &out_public, NULL, NULL, NULL);
    if (rc != TSS2_RC_SUCCESS) {
        fprintf(stderr, "tpm_tss_adapter: CreatePrimary (%s) failed: 0x%x\n", ek ? "EK" : "SRK", rc);
        return __LINE__;
    }
    size_t offset = 0;
    rc = Tss2_MU_TPM2B_PUBLIC_Marshal(out_public, pub, sizeof(TPM2B_PUBLIC), &offset);
    Esys_Free(out_public);
    if (rc != TSS2_RC_SUCCESS) return __LINE__;
    *len = offset;
    return 0;
}

static void close_tpm(TPM_STATE* t)
{
    if (t->esys != NULL) {
        if (t->ek != ESYS_TR_NONE) Esys_FlushContext(t->esys, t->ek);
        if (t->srk != ESYS_TR_NONE) Esys_FlushContext(t->esys, t->srk);
        Esys_Finalize(&t->esys);
    }
    if (t->tcti != NULL) Tss2_TctiLdr_Finalize(&t->tcti);
    free(t);
}

int hsm_client_tpm_init(void)
{
    if (shared != NULL) return 0;
    TPM_STATE* t = calloc(1, sizeof *t);
    if (t == NULL) return __LINE__;
    t->ek = t->srk = ESYS_TR_NONE;
    if (Tss2_TctiLdr_Initialize(TPM_TCTI, &t->tcti) != TSS2_RC_SUCCESS) {
        fprintf(stderr, "tpm_tss_adapter: cannot reach the TPM at %s\n", TPM_TCTI);
        free(t);
        return __LINE__;
    }
    if (Esys_Initialize(&t->esys, t->tcti, NULL) != TSS2_RC_SUCCESS) {
        close_tpm(t);
        return __LINE__;
    }
    TSS2_RC rc = Esys_Startup(t->esys, TPM2_SU_CLEAR);
    if (rc != TSS2_RC_SUCCESS && rc != TPM2_RC_INITIALIZE) {
        fprintf(stderr, "tpm_tss_adapter: Startup failed: 0x%x\n", rc);
    }
    if (create_primary(t, ESYS_TR_RH_ENDORSEMENT, 1, &t->ek, t->ek_pub, &t->ek_len) != 0
        || create_primary(t, ESYS_TR_RH_OWNER, 0, &t->srk, t->srk_pub, &t->srk_len) != 0) {
        close_tpm(t);
        return __LINE__;
    }
    shared = t;
    return 0;
}

void hsm_client_tpm_deinit(void)
{
    if (shared != NULL) {
        close_tpm(shared);
        shared = NULL;
    }
}

static void tpm_destroy(HSM_CLIENT_HANDLE h)
{
    TPM_ADAPTER* a = (TPM_ADAPTER*)h;
    if (a == NULL) return;
    if (a->id_key != ESYS_TR_NONE && a->tpm == shared && shared != NULL) Esys_FlushContext(shared->esys, a->id_key);
    free(a);
}

static HSM_CLIENT_HANDLE tpm_create(void)
{
    if (shared == NULL && hsm_client_tpm_init() != 0) return NULL;
    TPM_ADAPTER* a = calloc(1, sizeof *a);
    if (a == NULL) return NULL;
    a->tpm = shared;
    a->id_key = ESYS_TR_NONE;
    return a;
}

static int copy_out(const unsigned char* src, size_t len, unsigned char** key, size_t* key_len)
{
    unsigned char* b = malloc(len);
    if (b == NULL) return __LINE__;
    memcpy(b, src, len);
    *key = b;
    *key_len = len;
    return 0;
}

static int get_ek(HSM_CLIENT_HANDLE h, unsigned char** key, size_t* key_len)
{
    TPM_ADAPTER* a = (TPM_ADAPTER*)h;
    if (a == NULL || key == NULL || key_len == NULL) return __LINE__;
    return copy_out(a->tpm->ek_pub, a->tpm->ek_len, key, key_len);
}

static int get_srk(HSM_CLIENT_HANDLE h, unsigned char** key, size_t* key_len)
{
    TPM_ADAPTER* a = (TPM_ADAPTER*)h;
    if (a == NULL || key == NULL || key_len == NULL) return __LINE__;
    return copy_out(a->tpm->srk_pub, a->tpm->srk_len, key, key_len);
}

static int activate(HSM_CLIENT_HANDLE h, const unsigned char* key, size_t key_len)
{
    TPM_ADAPTER* a = (TPM_ADAPTER*)h;
    if (a == NULL || key == NULL || key_len == 0) return __LINE__;
    TPM2B_ID_OBJECT credential;
    TPM2B_ENCRYPTED_SECRET secret, seed;
    TPM2B_PRIVATE duplicate;
    TPM2B_PUBLIC id_public;
    /* tss2-mu refuses to unmarshal into a TPM2B whose size is not zero */
    memset(&credential, 0, sizeof credential);
    memset(&secret, 0, sizeof secret);
    memset(&seed, 0, sizeof seed);
    memset(&duplicate, 0, sizeof duplicate);
    memset(&id_public, 0, sizeof id_public);
    size_t off = 0;
    TSS2_RC mu;
    int item = 1;
    if ((mu = Tss2_MU_TPM2B_ID_OBJECT_Unmarshal(key, key_len, &off, &credential)) != TSS2_RC_SUCCESS
        || (++item, mu = Tss2_MU_TPM2B_ENCRYPTED_SECRET_Unmarshal(key, key_len, &off, &secret)) != TSS2_RC_SUCCESS
        || (++item, mu = Tss2_MU_TPM2B_PRIVATE_Unmarshal(key, key_len, &off, &duplicate)) != TSS2_RC_SUCCESS
        || (++item, mu = Tss2_MU_TPM2B_ENCRYPTED_SECRET_Unmarshal(key, key_len, &off, &seed)) != TSS2_RC_SUCCESS
        || (++item, mu = Tss2_MU_TPM2B_PUBLIC_Unmarshal(key, key_len, &off, &id_public)) != TSS2_RC_SUCCESS) {
        fprintf(stderr, "tpm_tss_adapter: item %d of the activation blob is malformed at offset %zu: 0x%x\n", item,
                off, mu);
        return __LINE__;
    }
    TPMT_SYM_DEF no_sym = {.algorithm = TPM2_ALG_NULL};
    ESYS_TR session = ESYS_TR_NONE;
    TSS2_RC rc = Esys_StartAuthSession(a->tpm->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                       NULL, TPM2_SE_POLICY, &no_sym, TPM2_ALG_SHA256, &session);
    if (rc != TSS2_RC_SUCCESS) return __LINE__;
    rc = Esys_PolicySecret(a->tpm->esys, ESYS_TR_RH_ENDORSEMENT, session, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                           NULL, NULL, NULL, 0, NULL, NULL);
    TPM2B_DIGEST* inner = NULL;
    if (rc == TSS2_RC_SUCCESS) {
        rc = Esys_ActivateCredential(a->tpm->esys, a->tpm->srk, a->tpm->ek, ESYS_TR_PASSWORD, session, ESYS_TR_NONE, &credential,
                                     &secret, &inner);
    }
    Esys_FlushContext(a->tpm->esys, session);
    if (rc != TSS2_RC_SUCCESS) {
        fprintf(stderr, "tpm_tss_adapter: ActivateCredential failed: 0x%x\n", rc);
        return __LINE__;
    }
    TPM2B_DATA wrap;
    memset(&wrap, 0, sizeof wrap);
    wrap.size = inner->size;
    memcpy(wrap.buffer, inner->buffer, inner->size);
    Esys_Free(inner);
    TPMT_SYM_DEF_OBJECT aes = {.algorithm = TPM2_ALG_AES, .keyBits.aes = (TPMI_AES_KEY_BITS)(wrap.size * 8),
                               .mode.aes = TPM2_ALG_CFB};
    TPM2B_PRIVATE* imported = NULL;
    rc = Esys_Import(a->tpm->esys, a->tpm->srk, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &wrap, &id_public, &duplicate,
                     &seed, &aes, &imported);
    memset(&wrap, 0, sizeof wrap);
    if (rc != TSS2_RC_SUCCESS) {
        fprintf(stderr, "tpm_tss_adapter: Import failed: 0x%x\n", rc);
        return __LINE__;
    }
    /* a TPM has few transient object slots (EK, SRK and one more on swtpm): drop the old identity key first, as
     * the SDK evicts the old key at 0x81000100 before persisting the new one */
    if (a->id_key != ESYS_TR_NONE) {
        Esys_FlushContext(a->tpm->esys, a->id_key);
        a->id_key = ESYS_TR_NONE;
    }
    ESYS_TR loaded = ESYS_TR_NONE;
    rc = Esys_Load(a->tpm->esys, a->tpm->srk, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, imported, &id_public, &loaded);
    Esys_Free(imported);
    if (rc != TSS2_RC_SUCCESS) {
        fprintf(stderr, "tpm_tss_adapter: Load failed: 0x%x\n", rc);
        return __LINE__;
    }
    a->id_key = loaded;
    return 0;
}

static int sign(HSM_CLIENT_HANDLE h, const unsigned char* data, size_t data_len, unsigned char** out, size_t* out_len)
{
    TPM_ADAPTER* a = (TPM_ADAPTER*)h;
    if (a == NULL || data == NULL || data_len == 0 || out == NULL || out_len == NULL) return __LINE__;
    if (a->id_key == ESYS_TR_NONE || data_len > sizeof(((TPM2B_MAX_BUFFER*)0)->buffer)) return __LINE__;
    TPM2B_MAX_BUFFER buffer;
    buffer.size = (UINT16)data_len;
    memcpy(buffer.buffer, data, data_len);
    TPM2B_DIGEST* hmac = NULL;
    TSS2_RC rc = Esys_HMAC(a->tpm->esys, a->id_key, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &buffer,
                           TPM2_ALG_SHA256, &hmac);
    if (rc != TSS2_RC_SUCCESS) {
        fprintf(stderr, "tpm_tss_adapter: HMAC failed: 0x%x\n", rc);
        return __LINE__;
    }
    int r = copy_out(hmac->buffer, hmac->size, out, out_len);
    Esys_Free(hmac);
    return r;
}

static const HSM_CLIENT_TPM_INTERFACE tpm_interface = {
    tpm_create, tpm_destroy, activate, get_ek, get_srk, sign
};

const HSM_CLIENT_TPM_INTERFACE* hsm_client_tpm_interface(void) { return &tpm_interface; }
