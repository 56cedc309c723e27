/* The declarations of the Azure IoT C SDK's provisioning_client/adapters/hsm_client_data.h that a custom HSM
 * adapter implements (firstboot's /work/shared/spec/hsm-adapter.md §2), restated so the reference adapters build
 * without the SDK. Field order matters: the SDK calls through these tables by position. */
#ifndef HSM_CLIENT_DATA_H
#define HSM_CLIENT_DATA_H
#include <stddef.h>

typedef void* HSM_CLIENT_HANDLE;

typedef HSM_CLIENT_HANDLE (*HSM_CLIENT_CREATE)(void);
typedef void (*HSM_CLIENT_DESTROY)(HSM_CLIENT_HANDLE handle);
typedef int (*HSM_CLIENT_ACTIVATE_IDENTITY_KEY)(HSM_CLIENT_HANDLE handle, const unsigned char* key, size_t key_len);
typedef int (*HSM_CLIENT_GET_ENDORSEMENT_KEY)(HSM_CLIENT_HANDLE handle, unsigned char** key, size_t* key_len);
typedef int (*HSM_CLIENT_GET_STORAGE_ROOT_KEY)(HSM_CLIENT_HANDLE handle, unsigned char** key, size_t* key_len);
typedef int (*HSM_CLIENT_SIGN_WITH_IDENTITY)(HSM_CLIENT_HANDLE handle, const unsigned char* data, size_t data_len,
                                             unsigned char** key, size_t* key_len);
typedef char* (*HSM_CLIENT_GET_CERTIFICATE)(HSM_CLIENT_HANDLE handle);
typedef char* (*HSM_CLIENT_GET_ALIAS_KEY)(HSM_CLIENT_HANDLE handle);
typedef char* (*HSM_CLIENT_GET_COMMON_NAME)(HSM_CLIENT_HANDLE handle);
typedef char* (*HSM_CLIENT_GET_SYMMETRICAL_KEY)(HSM_CLIENT_HANDLE handle);
typedef char* (*HSM_CLIENT_GET_REGISTRATION_NAME)(HSM_CLIENT_HANDLE handle);
typedef int (*HSM_CLIENT_SET_SYMMETRICAL_KEY_INFO)(HSM_CLIENT_HANDLE handle, const char* reg_name, const char* symm_key);

typedef struct HSM_CLIENT_TPM_INTERFACE_TAG {
    HSM_CLIENT_CREATE hsm_client_tpm_create;
    HSM_CLIENT_DESTROY hsm_client_tpm_destroy;
    HSM_CLIENT_ACTIVATE_IDENTITY_KEY hsm_client_activate_identity_key;
    HSM_CLIENT_GET_ENDORSEMENT_KEY hsm_client_get_ek;
    HSM_CLIENT_GET_STORAGE_ROOT_KEY hsm_client_get_srk;
    HSM_CLIENT_SIGN_WITH_IDENTITY hsm_client_sign_with_identity;
} HSM_CLIENT_TPM_INTERFACE;

typedef struct HSM_CLIENT_X509_INTERFACE_TAG {
    HSM_CLIENT_CREATE hsm_client_x509_create;
    HSM_CLIENT_DESTROY hsm_client_x509_destroy;
    HSM_CLIENT_GET_CERTIFICATE hsm_client_get_cert;
    HSM_CLIENT_GET_ALIAS_KEY hsm_client_get_key;
    HSM_CLIENT_GET_COMMON_NAME hsm_client_get_common_name;
} HSM_CLIENT_X509_INTERFACE;

typedef struct HSM_CLIENT_KEY_INTERFACE_TAG {
    HSM_CLIENT_CREATE hsm_client_key_create;
    HSM_CLIENT_DESTROY hsm_client_key_destroy;
    HSM_CLIENT_GET_SYMMETRICAL_KEY hsm_client_get_symm_key;
    HSM_CLIENT_GET_REGISTRATION_NAME hsm_client_get_registration_name;
    HSM_CLIENT_SET_SYMMETRICAL_KEY_INFO hsm_client_set_symm_key_info;
} HSM_CLIENT_KEY_INTERFACE;

int hsm_client_x509_init(void);
void hsm_client_x509_deinit(void);
int hsm_client_tpm_init(void);
void hsm_client_tpm_deinit(void);
const HSM_CLIENT_TPM_INTERFACE* hsm_client_tpm_interface(void);
const HSM_CLIENT_X509_INTERFACE* hsm_client_x509_interface(void);
const HSM_CLIENT_KEY_INTERFACE* hsm_client_key_interface(void);
int initialize_hsm_system(void);
void deinitialize_hsm_system(void);

#endif
