// The names of nginx directives: core and every module of Debian's nginx packages, common dynamic and
// third-party modules, and NGINX Plus, so a name missing here is a typo or a directive nginx does not have.

/** Directive names, grouped by module (space-separated; the grouping is for readers only). */
const GROUPS: Record<string, string> = {
  'core / events': `
accept_mutex accept_mutex_delay daemon debug_connection debug_points devpoll_changes devpoll_events
env epoll_events error_log events google_perftools_profiles include kqueue_changes kqueue_events
load_module lock_file master_process multi_accept pcre_jit pid quic_bpf ssl_engine
ssl_object_cache_inheritable thread_pool timer_resolution use user worker_aio_requests
worker_connections worker_cpu_affinity worker_priority worker_processes worker_rlimit_core
worker_rlimit_nofile worker_shutdown_timeout working_directory
`,
  'http core': `
absolute_redirect aio aio_write alias auth_delay chunked_transfer_encoding client_body_buffer_size
client_body_in_file_only client_body_in_single_buffer client_body_temp_path client_body_timeout
client_header_buffer_size client_header_timeout client_max_body_size connection_pool_size
default_type directio directio_alignment disable_symlinks early_hints error_page etag http
if_modified_since ignore_invalid_headers internal keepalive_disable keepalive_min_timeout
keepalive_requests keepalive_time keepalive_timeout large_client_header_buffers limit_except
limit_rate limit_rate_after lingering_close lingering_time lingering_timeout listen location
log_not_found log_subrequest max_headers max_ranges merge_slashes msie_padding msie_refresh
open_file_cache open_file_cache_errors open_file_cache_events open_file_cache_min_uses
open_file_cache_valid output_buffers port_in_redirect post_action postpone_output read_ahead
recursive_error_pages request_pool_size reset_timedout_connection resolver resolver_timeout root
satisfy send_lowat send_timeout sendfile sendfile_max_chunk server server_name
server_name_in_redirect server_names_hash_bucket_size server_names_hash_max_size server_tokens
subrequest_output_buffer_size tcp_nodelay tcp_nopush try_files types types_hash_bucket_size
types_hash_max_size underscores_in_headers variables_hash_bucket_size variables_hash_max_size
`,
  'access addition auth': `
add_after_body add_before_body addition_types allow ancient_browser ancient_browser_value auth_basic
auth_basic_user_file auth_request auth_request_set autoindex autoindex_exact_size autoindex_format
autoindex_localtime charset charset_map charset_types create_full_put_path dav_access dav_methods
deny empty_gif flv geo min_delete_depth modern_browser modern_browser_value override_charset
source_charset
`,
  'geoip (dynamic)': `
geoip_city geoip_country geoip_org geoip_proxy geoip_proxy_recursive
`,
  'gunzip gzip headers': `
add_header add_header_inherit add_trailer add_trailer_inherit expires gunzip gunzip_buffers gzip
gzip_buffers gzip_comp_level gzip_disable gzip_hash gzip_http_version gzip_min_length gzip_no_buffer
gzip_proxied gzip_static gzip_types gzip_vary gzip_window
`,
  'image filter (dynamic)': `
access_log image_filter image_filter_buffer image_filter_interlace image_filter_jpeg_quality
image_filter_sharpen image_filter_transparency image_filter_webp_quality index limit_conn
limit_conn_dry_run limit_conn_log_level limit_conn_status limit_conn_zone limit_req
limit_req_dry_run limit_req_log_level limit_req_status limit_req_zone log_format map
map_hash_bucket_size map_hash_max_size mirror mirror_request_body mp4 mp4_buffer_size mp4_limit_rate
mp4_limit_rate_after mp4_max_buffer_size mp4_start_key_frame open_log_file_cache
`,
  'perl (dynamic)': `
break if perl perl_modules perl_require perl_set random_index real_ip_header real_ip_recursive
referer_hash_bucket_size referer_hash_max_size return rewrite rewrite_log secure_link
secure_link_md5 secure_link_secret set set_real_ip_from slice split_clients ssi
ssi_ignore_recycled_buffers ssi_last_modified ssi_min_file_chunk ssi_silent_errors ssi_types
ssi_value_length uninitialized_variable_warn valid_referers
`,
  ssl: `
ssl ssl_buffer_size ssl_certificate ssl_certificate_cache ssl_certificate_compression
ssl_certificate_key ssl_ciphers ssl_client_certificate ssl_conf_command ssl_crl ssl_dhparam
ssl_early_data ssl_ecdh_curve ssl_key_log ssl_ocsp ssl_ocsp_cache ssl_ocsp_responder
ssl_password_file ssl_prefer_server_ciphers ssl_protocols ssl_reject_handshake ssl_session_cache
ssl_session_ticket_key ssl_session_tickets ssl_session_timeout ssl_stapling ssl_stapling_file
ssl_stapling_responder ssl_stapling_verify ssl_trusted_certificate ssl_verify_client
ssl_verify_depth stub_status sub_filter sub_filter_last_modified sub_filter_once sub_filter_types
`,
  upstream: `
hash ip_hash keepalive least_conn random upstream userid userid_domain userid_expires userid_flags
userid_mark userid_name userid_p3p userid_path userid_service zone
`,
  'http2 http3 quic': `
http2 http2_body_preread_size http2_chunk_size http2_idle_timeout http2_max_concurrent_pushes
http2_max_concurrent_streams http2_max_field_size http2_max_header_size http2_max_requests
http2_pool_size http2_push http2_push_preload http2_recv_buffer_size http2_recv_timeout
http2_streams_index_size http3 http3_hq http3_max_concurrent_streams http3_stream_buffer_size
quic_active_connection_id_limit quic_gso quic_host_key quic_retry
`,
  'xslt (dynamic)': `
xml_entities xslt_last_modified xslt_param xslt_string_param xslt_stylesheet xslt_types
`,
  'proxy / fastcgi / uwsgi / scgi / grpc / memcached newer': `
grpc_ssl_certificate_cache grpc_ssl_key_log proxy_pass_trailers proxy_ssl_certificate_cache
proxy_ssl_key_log uwsgi_ssl_certificate_cache uwsgi_ssl_key_log
`,
  stream: `
pass preread_buffer_size preread_timeout proxy_buffer_size proxy_connect_timeout proxy_download_rate
proxy_half_close proxy_next_upstream proxy_next_upstream_timeout proxy_next_upstream_tries
proxy_protocol proxy_protocol_timeout proxy_requests proxy_responses proxy_session_drop
proxy_socket_keepalive proxy_timeout proxy_upload_rate ssl_handshake_timeout ssl_preread stream
`,
  mail: `
auth_http auth_http_header auth_http_pass_client_cert auth_http_timeout imap_auth imap_capabilities
imap_client_buffer mail max_errors pop3_auth pop3_capabilities protocol proxy
proxy_pass_error_message proxy_smtp_auth smtp_auth smtp_capabilities smtp_client_buffer
smtp_greeting_delay starttls timeout xclient
`,
  njs: `
js_access js_body_filter js_content js_context_reuse js_engine js_fetch_buffer_size js_fetch_ciphers
js_fetch_max_response_buffer_size js_fetch_protocols js_fetch_timeout js_fetch_trusted_certificate
js_fetch_verify js_fetch_verify_depth js_filter js_header_filter js_import js_include js_path
js_periodic js_preload_object js_preread js_set js_shared_dict_zone js_var
`,
  geoip2: `
geoip2 geoip2_proxy geoip2_proxy_recursive
`,
  'headers-more': `
more_clear_headers more_clear_input_headers more_set_headers more_set_input_headers
`,
  brotli: `
brotli brotli_buffers brotli_comp_level brotli_min_length brotli_static brotli_types brotli_window
`,
  'lua / ndk / set-misc / srcache / memc': `
access_by_lua access_by_lua_block access_by_lua_file access_by_lua_no_postpone balancer_by_lua_block
balancer_by_lua_file body_filter_by_lua body_filter_by_lua_block body_filter_by_lua_file
content_by_lua content_by_lua_block content_by_lua_file exit_worker_by_lua_block
exit_worker_by_lua_file header_filter_by_lua header_filter_by_lua_block header_filter_by_lua_file
init_by_lua init_by_lua_block init_by_lua_file init_worker_by_lua init_worker_by_lua_block
init_worker_by_lua_file log_by_lua log_by_lua_block log_by_lua_file lua_capture_error_log
lua_check_client_abort lua_code_cache lua_http10_buffering lua_load_resty_core lua_malloc_trim
lua_max_pending_timers lua_max_running_timers lua_need_request_body lua_package_cpath
lua_package_path lua_regex_cache_max_entries lua_regex_match_limit lua_sa_restart lua_shared_dict
lua_socket_buffer_size lua_socket_connect_timeout lua_socket_keepalive_timeout lua_socket_log_errors
lua_socket_pool_size lua_socket_read_timeout lua_socket_send_timeout lua_ssl_ciphers
lua_ssl_protocols lua_ssl_trusted_certificate lua_ssl_verify_depth
lua_transform_underscores_in_response_headers lua_use_default_type lua_worker_thread_vm_pool_size
memc_buffer_size memc_cmds_allowed memc_connect_timeout memc_flags_to_last_modified memc_pass
memc_read_timeout memc_send_timeout rewrite_by_lua rewrite_by_lua_block rewrite_by_lua_file
rewrite_by_lua_no_postpone server_rewrite_by_lua_block server_rewrite_by_lua_file set_by_lua
set_by_lua_block set_by_lua_file set_decode_base32 set_decode_base64 set_decode_hex
set_encode_base32 set_encode_base64 set_encode_hex set_escape_uri set_formatted_gmt_time
set_formatted_local_time set_hmac_sha1 set_hmac_sha256 set_if_empty set_local_today set_md5
set_misc_base32_padding set_quote_json_str set_quote_pgsql_str set_quote_sql_str set_random
set_rotate set_secure_random_alphanum set_secure_random_lcalpha set_sha1 set_unescape_uri set_var
srcache_default_expire srcache_fetch srcache_fetch_skip srcache_max_expire srcache_methods
srcache_store srcache_store_max_size srcache_store_skip srcache_store_statuses
ssl_certificate_by_lua_block ssl_certificate_by_lua_file ssl_client_hello_by_lua_block
ssl_session_fetch_by_lua_block ssl_session_store_by_lua_block
`,
  echo: `
echo echo_abort_parent echo_after_body echo_before_body echo_blocking_sleep echo_duplicate echo_end
echo_exec echo_flush echo_foreach_split echo_location echo_location_async echo_read_request_body
echo_request_body echo_reset_timer echo_sleep echo_status echo_subrequest echo_subrequest_async
`,
  'misc third-party in Debian': `
auth_pam auth_pam_service_name auth_pam_set_pam_env dav_ext_lock dav_ext_lock_zone dav_ext_methods
fair fancyindex fancyindex_case_sensitive fancyindex_css_href fancyindex_default_sort
fancyindex_directories_first fancyindex_exact_size fancyindex_footer fancyindex_header
fancyindex_hide_parent_dir fancyindex_hide_symlinks fancyindex_ignore fancyindex_localtime
fancyindex_name_length fancyindex_show_dotfiles fancyindex_show_path fancyindex_time_format
fastcgi_cache_purge modsecurity modsecurity_rules modsecurity_rules_file modsecurity_rules_remote
modsecurity_transaction_id nchan_authorize_request nchan_channel_group nchan_channel_id
nchan_max_reserved_memory nchan_message_buffer_length nchan_message_timeout nchan_publisher
nchan_pubsub nchan_redis_pass nchan_redis_url nchan_storage_engine nchan_subscribe_request
nchan_subscriber nchan_unsubscribe_request nchan_use_redis proxy_cache_purge report_uploads rtmp
rtmp_auto_push rtmp_auto_push_reconnect rtmp_control rtmp_socket_dir rtmp_stat rtmp_stat_stylesheet
scgi_cache_purge subs_filter subs_filter_types track_uploads upload_progress
upload_progress_content_type upload_progress_header upload_progress_json_output
upload_progress_jsonp_output upload_progress_jsonp_parameter upload_progress_template
upstream_fair_shm_size uwsgi_cache_purge
`,
  'NGINX Plus (commercial): known names, so Plus configs do not read as broken': `
api auth_jwt auth_jwt_claim_set auth_jwt_header_set auth_jwt_key_cache auth_jwt_key_file
auth_jwt_key_request auth_jwt_leeway auth_jwt_require auth_jwt_type f4f f4f_buffer_size health_check
health_check_timeout hls hls_buffers hls_forward_args hls_fragment hls_mp4_buffer_size
hls_mp4_max_buffer_size internal_redirect keyval keyval_zone least_time license_token match mgmt
ntlm queue session_log session_log_format session_log_zone ssl_key_log state status status_format
status_zone sticky sticky_cookie_insert usage_report zone_sync zone_sync_server
`,
  'fastcgi module (nginx 1.22 build)': `
fastcgi_bind fastcgi_buffer_size fastcgi_buffering fastcgi_buffers fastcgi_busy_buffers_size
fastcgi_cache fastcgi_cache_background_update fastcgi_cache_bypass fastcgi_cache_key
fastcgi_cache_lock fastcgi_cache_lock_age fastcgi_cache_lock_timeout fastcgi_cache_max_range_offset
fastcgi_cache_methods fastcgi_cache_min_uses fastcgi_cache_path fastcgi_cache_revalidate
fastcgi_cache_use_stale fastcgi_cache_valid fastcgi_catch_stderr fastcgi_connect_timeout
fastcgi_force_ranges fastcgi_hide_header fastcgi_ignore_client_abort fastcgi_ignore_headers
fastcgi_index fastcgi_intercept_errors fastcgi_keep_conn fastcgi_limit_rate
fastcgi_max_temp_file_size fastcgi_next_upstream fastcgi_next_upstream_timeout
fastcgi_next_upstream_tries fastcgi_no_cache fastcgi_param fastcgi_pass fastcgi_pass_header
fastcgi_pass_request_body fastcgi_pass_request_headers fastcgi_read_timeout
fastcgi_request_buffering fastcgi_send_lowat fastcgi_send_timeout fastcgi_socket_keepalive
fastcgi_split_path_info fastcgi_store fastcgi_store_access fastcgi_temp_file_write_size
fastcgi_temp_path
`,
  'grpc module (nginx 1.22 build)': `
grpc_bind grpc_buffer_size grpc_connect_timeout grpc_hide_header grpc_ignore_headers
grpc_intercept_errors grpc_next_upstream grpc_next_upstream_timeout grpc_next_upstream_tries
grpc_pass grpc_pass_header grpc_read_timeout grpc_send_timeout grpc_set_header grpc_socket_keepalive
grpc_ssl_certificate grpc_ssl_certificate_key grpc_ssl_ciphers grpc_ssl_conf_command grpc_ssl_crl
grpc_ssl_name grpc_ssl_password_file grpc_ssl_protocols grpc_ssl_server_name grpc_ssl_session_reuse
grpc_ssl_trusted_certificate grpc_ssl_verify grpc_ssl_verify_depth
`,
  'memcached module (nginx 1.22 build)': `
memcached_bind memcached_buffer_size memcached_connect_timeout memcached_gzip_flag
memcached_next_upstream memcached_next_upstream_timeout memcached_next_upstream_tries memcached_pass
memcached_read_timeout memcached_send_timeout memcached_socket_keepalive
`,
  undocumented: `
postpone_gzipping
`,
  'proxy module (nginx 1.22 build)': `
proxy_bind proxy_buffering proxy_buffers proxy_busy_buffers_size proxy_cache
proxy_cache_background_update proxy_cache_bypass proxy_cache_convert_head proxy_cache_key
proxy_cache_lock proxy_cache_lock_age proxy_cache_lock_timeout proxy_cache_max_range_offset
proxy_cache_methods proxy_cache_min_uses proxy_cache_path proxy_cache_revalidate
proxy_cache_use_stale proxy_cache_valid proxy_cookie_domain proxy_cookie_flags proxy_cookie_path
proxy_force_ranges proxy_headers_hash_bucket_size proxy_headers_hash_max_size proxy_hide_header
proxy_http_version proxy_ignore_client_abort proxy_ignore_headers proxy_intercept_errors
proxy_limit_rate proxy_max_temp_file_size proxy_method proxy_no_cache proxy_pass proxy_pass_header
proxy_pass_request_body proxy_pass_request_headers proxy_read_timeout proxy_redirect
proxy_request_buffering proxy_send_lowat proxy_send_timeout proxy_set_body proxy_set_header
proxy_ssl_certificate proxy_ssl_certificate_key proxy_ssl_ciphers proxy_ssl_conf_command
proxy_ssl_crl proxy_ssl_name proxy_ssl_password_file proxy_ssl_protocols proxy_ssl_server_name
proxy_ssl_session_reuse proxy_ssl_trusted_certificate proxy_ssl_verify proxy_ssl_verify_depth
proxy_store proxy_store_access proxy_temp_file_write_size proxy_temp_path
`,
  'scgi module (nginx 1.22 build)': `
scgi_bind scgi_buffer_size scgi_buffering scgi_buffers scgi_busy_buffers_size scgi_cache
scgi_cache_background_update scgi_cache_bypass scgi_cache_key scgi_cache_lock scgi_cache_lock_age
scgi_cache_lock_timeout scgi_cache_max_range_offset scgi_cache_methods scgi_cache_min_uses
scgi_cache_path scgi_cache_revalidate scgi_cache_use_stale scgi_cache_valid scgi_connect_timeout
scgi_force_ranges scgi_hide_header scgi_ignore_client_abort scgi_ignore_headers
scgi_intercept_errors scgi_limit_rate scgi_max_temp_file_size scgi_next_upstream
scgi_next_upstream_timeout scgi_next_upstream_tries scgi_no_cache scgi_param scgi_pass
scgi_pass_header scgi_pass_request_body scgi_pass_request_headers scgi_read_timeout
scgi_request_buffering scgi_send_timeout scgi_socket_keepalive scgi_store scgi_store_access
scgi_temp_file_write_size scgi_temp_path
`,
  'uwsgi module (nginx 1.22 build)': `
uwsgi_bind uwsgi_buffer_size uwsgi_buffering uwsgi_buffers uwsgi_busy_buffers_size uwsgi_cache
uwsgi_cache_background_update uwsgi_cache_bypass uwsgi_cache_key uwsgi_cache_lock
uwsgi_cache_lock_age uwsgi_cache_lock_timeout uwsgi_cache_max_range_offset uwsgi_cache_methods
uwsgi_cache_min_uses uwsgi_cache_path uwsgi_cache_revalidate uwsgi_cache_use_stale uwsgi_cache_valid
uwsgi_connect_timeout uwsgi_force_ranges uwsgi_hide_header uwsgi_ignore_client_abort
uwsgi_ignore_headers uwsgi_intercept_errors uwsgi_limit_rate uwsgi_max_temp_file_size
uwsgi_modifier1 uwsgi_modifier2 uwsgi_next_upstream uwsgi_next_upstream_timeout
uwsgi_next_upstream_tries uwsgi_no_cache uwsgi_param uwsgi_pass uwsgi_pass_header
uwsgi_pass_request_body uwsgi_pass_request_headers uwsgi_read_timeout uwsgi_request_buffering
uwsgi_send_timeout uwsgi_socket_keepalive uwsgi_ssl_certificate uwsgi_ssl_certificate_key
uwsgi_ssl_ciphers uwsgi_ssl_conf_command uwsgi_ssl_crl uwsgi_ssl_name uwsgi_ssl_password_file
uwsgi_ssl_protocols uwsgi_ssl_server_name uwsgi_ssl_session_reuse uwsgi_ssl_trusted_certificate
uwsgi_ssl_verify uwsgi_ssl_verify_depth uwsgi_store uwsgi_store_access uwsgi_string
uwsgi_temp_file_write_size uwsgi_temp_path
`,
};

/** Every known directive name. */
export const KNOWN_DIRECTIVES: ReadonlySet<string> = new Set(
  Object.values(GROUPS).flatMap((names) => names.split(/\s+/).filter(Boolean)),
);

/** Directives added after the oldest nginx tradesec supports, with the version that added them. */
export const DIRECTIVE_SINCE: ReadonlyMap<string, string> = new Map([
  ['http2', '1.25.1'],
  ['http3', '1.25.0'],
  ['http3_hq', '1.25.0'],
  ['http3_max_concurrent_streams', '1.25.0'],
  ['http3_stream_buffer_size', '1.25.0'],
  ['quic_active_connection_id_limit', '1.25.0'],
  ['quic_bpf', '1.25.0'],
  ['quic_gso', '1.25.0'],
  ['quic_host_key', '1.25.0'],
  ['quic_retry', '1.25.0'],
  ['ssl_conf_command', '1.19.4'],
  ['ssl_reject_handshake', '1.19.4'],
  ['proxy_ssl_conf_command', '1.19.4'],
  ['ssl_ocsp', '1.19.0'],
  ['ssl_ocsp_cache', '1.19.0'],
  ['ssl_ocsp_responder', '1.19.0'],
  ['proxy_cookie_flags', '1.19.3'],
  ['keepalive_time', '1.19.10'],
  ['ssl_certificate_cache', '1.27.4'],
  ['ssl_object_cache_inheritable', '1.27.4'],
]);

/**
 * Blocks whose entries are not checked against the list: data blocks (`map`, `geo`, `types`, ...) whose first
 * words are keys, and `rtmp`, whose module has its own large vocabulary.
 */
export const DATA_BLOCKS: ReadonlySet<string> = new Set([
  'map',
  'geo',
  'geoip2',
  'types',
  'split_clients',
  'charset_map',
  'match',
  'rtmp',
]);

/** Directives that take a `{ ... }` block (every other known directive ends with ";"). */
const BLOCK_DIRECTIVES: ReadonlySet<string> = new Set([
  'charset_map',
  'events',
  'geo',
  'geoip2',
  'http',
  'if',
  'limit_except',
  'location',
  'mail',
  'map',
  'match',
  'mgmt',
  'rtmp',
  'server',
  'split_clients',
  'stream',
  'types',
  'upstream',
]);

/** Directives whose block is foreign code (Lua), skipped as balanced text instead of parsed. */
export const RAW_BLOCK_DIRECTIVE = /_by_lua_block$|^lua_block$/;

/**
 * Whether nginx wants a block or a ";" after a directive inside `parent` (undefined: the directive is unknown,
 * so nginx reports that first). `server` is a block everywhere but in `upstream`, where it names a backend.
 */
export function directiveShape(name: string, parent: string | undefined): 'block' | 'simple' | undefined {
  if (name === 'server') return parent === 'upstream' ? 'simple' : 'block';
  if (BLOCK_DIRECTIVES.has(name) || RAW_BLOCK_DIRECTIVE.test(name)) return 'block';
  return KNOWN_DIRECTIVES.has(name) ? 'simple' : undefined;
}

/** True when `name` is an nginx directive (core, a Debian module, a common third-party module or Plus). */
export function isKnownDirective(name: string): boolean {
  return KNOWN_DIRECTIVES.has(name);
}
