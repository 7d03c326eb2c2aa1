/*
 * dashboard.c -- the signed-in user's home page.
 *
 * Shows who is signed in (name, address, email), when and from where this
 * session signed in (the client address as httpd resolved it, so
 * mod_remoteip is honoured), and the sign-in before it.  Later features
 * add their panels here.
 */
#include "apr_strings.h"

#include "portal.h"
#include "handle/handle.h"
#include "model/model.h"
#include "http/http.h"
#include "cfg/cfg.h"

APLOG_USE_MODULE(portal);

int portal_dashboard_get(portal_req_t *req)
{
    portal_user_t *u = req->user;
    apr_pool_t *p = req->r->pool;
    json_t *d = portal_page_data(req, "Dashboard");
    json_t *login;

    login = json_pack("{s:I, s:s, s:s}", "at", (json_int_t)u->login_at,
                      "at_text", pt_fmt_time(p, u->login_at),
                      "ip", u->login_ip);
    json_object_set_new(d, "login", login);
    if (u->prev_login_at > 0) {
        json_object_set_new(d, "previous_login", json_pack(
            "{s:I, s:s, s:s}", "at", (json_int_t)u->prev_login_at,
            "at_text", pt_fmt_time(p, u->prev_login_at),
            "ip", u->prev_login_ip ? u->prev_login_ip : ""));
    }
    json_object_set_new(d, "sessions", portal_sessions_json(req));
    json_object_set_new(d, "upload", portal_upload_settings(req));
    json_object_set_new(d, "threats", portal_ioc_panel(req));
    json_object_set_new(login, "geo", portal_geo_json(req, u->login_ip,
                                                      u->login_at));
    if (apr_table_get(req->query, "password_changed")) {
        json_object_set_new(d, "notice", json_string(
            "Your password was changed. Other devices signed in to your "
            "account were signed out."));
    }
    else if (apr_table_get(req->query, "signed_out_others")) {
        json_object_set_new(d, "notice", json_string(
            "Every other device was signed out."));
    }
    else if (apr_table_get(req->query, "signed_out_session")) {
        json_object_set_new(d, "notice", json_string(
            "That device was signed out."));
    }
    else if (apr_table_get(req->query, "verified")) {
        json_object_set_new(d, "notice", json_string(
            "Your email address is confirmed."));
    }
    return portal_render(req, HTTP_OK, "dashboard", d);
}
