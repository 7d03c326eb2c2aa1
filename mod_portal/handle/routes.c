/*
 * routes.c -- every route of the portal: method and path, the handler,
 * and who may reach it, said here once and checked by the router
 * (http/router.c) before the handler runs:
 *   AUTH    a signed-in user (the session cookie)
 *   API     a bearer token (Authorization header only: cookies are not
 *           even read, which is what makes the API safe without CSRF
 *           tokens); errors are JSON
 *   APIPUB  the API without a token (sign-in, sign-up, the OpenAPI file)
 *   BEARER  the session, or a bearer token when one is sent (download
 *           links, which API clients and browsers both follow)
 *   UPLOAD  the roles PortalUploadRoles names
 *   MULTIPART  an API POST whose body is multipart/form-data (the upload);
 *           every other API POST takes application/json only, refused
 *           with 415 before anything else: a web page can make a
 *           visitor's browser POST a form, text or multipart body
 *           anywhere, but JSON only where CORS allows it
 * and the route's roles (PORTAL_ROLE_* bits; 0: any signed-in user).  A
 * user whose role is not among them gets 403.
 */
#include "portal.h"
#include "http/http.h"
#include "handle/handle.h"

#define ROUTE_AUTH PORTAL_ROUTE_AUTH
#define ROUTE_API PORTAL_ROUTE_API
#define ROUTE_APIPUB PORTAL_ROUTE_APIPUB
#define ROUTE_BEARER PORTAL_ROUTE_BEARER
#define ROUTE_UPLOAD PORTAL_ROUTE_UPLOAD
#define ROUTE_MULTIPART PORTAL_ROUTE_MULTIPART

#define CLIENT PORTAL_ROLE_CLIENT
#define OPS (PORTAL_ROLE_OPERATIONS | PORTAL_ROLE_ADMIN)
#define ADMIN PORTAL_ROLE_ADMIN

const portal_route_t portal_routes[] = {
    { "/", M_GET, portal_login_get, 0 },
    { "/", M_POST, portal_login_post, 0 },
    { "/login", M_GET, portal_login_get, 0 },
    { "/login", M_POST, portal_login_post, 0 },
    { "/register", M_GET, portal_register_get, 0 },
    { "/register", M_POST, portal_register_post, 0 },
    { "/dashboard", M_GET, portal_dashboard_get, ROUTE_AUTH },
    { "/logout", M_GET, portal_logout_get, 0 },
    { "/logout", M_POST, portal_logout_post, 0 },
    { "/change_password", M_GET, portal_change_password_get, ROUTE_AUTH },
    { "/change_password", M_POST, portal_change_password_post, ROUTE_AUTH },
    { "/change_password/confirm", M_POST, portal_change_password_confirm,
      ROUTE_AUTH },
    { "/verify_email", M_GET, portal_verify_email_get, 0 },
    { "/oidc/login", M_GET, portal_oidc_login_get, 0 },
    { "/complete-profile", M_GET, portal_complete_profile_get, 0 },
    { "/complete-profile", M_POST, portal_complete_profile_post, 0 },
    { "/resend_verification", M_POST, portal_resend_verification_post, 0 },
    { "/forgot_password", M_GET, portal_forgot_password_get, 0 },
    { "/forgot_password", M_POST, portal_forgot_password_post, 0 },
    { "/reset_password", M_GET, portal_reset_password_get, 0 },
    { "/reset_password", M_POST, portal_reset_password_post, 0 },
    { "/sessions/revoke", M_POST, portal_session_revoke_post, ROUTE_AUTH },
    { "/sessions/revoke_others", M_POST, portal_sessions_revoke_others_post,
      ROUTE_AUTH },
    { "/upload", M_POST, portal_upload_post, ROUTE_AUTH | ROUTE_UPLOAD },
    { "/dashboard", M_POST, portal_upload_post, ROUTE_AUTH | ROUTE_UPLOAD },
    { "/files", M_GET, portal_files_get, ROUTE_AUTH },
    { "/files/*", M_GET, portal_file_get, ROUTE_AUTH },
    { "/files/*/download", M_GET, portal_file_download, ROUTE_AUTH },
    { "/files/*/receipt.tsr", M_GET, portal_file_receipt, ROUTE_AUTH },
    { "/files/*/rename", M_POST, portal_file_rename_post, ROUTE_AUTH },
    { "/files/*/delete", M_POST, portal_file_delete_post, ROUTE_AUTH },
    { "/files/*/links", M_POST, portal_link_create_post, ROUTE_AUTH },
    { "/files/*/links/*/revoke", M_POST, portal_link_revoke_post,
      ROUTE_AUTH },
    { "/files/*/publish", M_POST, portal_file_publish_post, ROUTE_AUTH, OPS },
    { "/d/*", M_GET, portal_link_download, ROUTE_BEARER },
    { "/tsa.crt", M_GET, portal_tsa_cert_get, 0 },
    { "/iocs", M_GET, portal_iocs_get, ROUTE_AUTH },
    { "/iocs/export", M_GET, portal_iocs_export_get, ROUTE_AUTH },
    { "/admin", M_GET, portal_admin_get, ROUTE_AUTH, ADMIN },
    { "/admin/users/new", M_GET, portal_admin_new_get, ROUTE_AUTH, ADMIN },
    { "/admin/users/new", M_POST, portal_admin_new_post, ROUTE_AUTH, ADMIN },
    { "/admin/users/*", M_GET, portal_admin_user_get, ROUTE_AUTH, ADMIN },
    { "/admin/users/*/role", M_POST, portal_admin_role_post, ROUTE_AUTH,
      ADMIN },
    { "/admin/users/*/disable", M_POST, portal_admin_disable_post,
      ROUTE_AUTH, ADMIN },
    { "/admin/users/*/enable", M_POST, portal_admin_enable_post, ROUTE_AUTH,
      ADMIN },
    { "/admin/users/*/delete", M_POST, portal_admin_delete_post, ROUTE_AUTH,
      ADMIN },
    { "/admin/throttle", M_GET, portal_admin_throttle_get, ROUTE_AUTH, ADMIN },
    { "/admin/throttle/*/lift", M_POST, portal_admin_throttle_lift_post,
      ROUTE_AUTH, ADMIN },
    /* the JSON API: the paths and fields of the service it replaces */
    { "/api/ops/login", M_POST, portal_api_ops_login, ROUTE_APIPUB },
    { "/api/client/login", M_POST, portal_api_client_login, ROUTE_APIPUB },
    { "/api/client/signup", M_POST, portal_api_client_signup, ROUTE_APIPUB },
    { "/api/client/verify-email", M_GET, portal_api_client_verify,
      ROUTE_APIPUB },
    { "/api/openapi.json", M_GET, portal_api_openapi, ROUTE_APIPUB },
    { "/api/ops/upload", M_POST, portal_api_ops_upload,
      ROUTE_API | ROUTE_UPLOAD | ROUTE_MULTIPART },
    { "/api/client/files", M_GET, portal_api_client_files, ROUTE_API,
      CLIENT },
    { "/api/client/download/*", M_GET, portal_api_client_download,
      ROUTE_API, CLIENT },
    { "/api/logout", M_POST, portal_api_logout, ROUTE_API },
    { NULL, 0, NULL, 0, 0 }
};
