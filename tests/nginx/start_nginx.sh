#!/bin/sh
# Start nginx for the TLS / HTTP/2 tests, in the foreground (the caller stops it with SIGTERM).
# Usage: start_nginx.sh DIR PORT
#   DIR   an empty temporary directory: certificates, config, logs and files go there
#   PORT  a free loopback port
# Made here, at test time: a CA, a server certificate for "localhost" only (so 127.0.0.1 is a
# wrong host name), and a client certificate with a password-protected key.
set -eu
dir=$1
port=$2
command -v nginx >/dev/null 2>&1 || { echo "nginx not found (apt-get install nginx-light)" >&2; exit 127; }
command -v openssl >/dev/null 2>&1 || { echo "openssl not found" >&2; exit 127; }
cd "$dir"
mkdir -p www tmp

ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
openssl req -x509 $ec -keyout ca.key -out ca.crt -days 2 -subj "/CN=oneloop test CA" 2>/dev/null

openssl req $ec -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
  -extfile server.ext -out server.crt 2>/dev/null

openssl req $ec -keyout client.key -out client.csr -subj "/CN=oneloop client" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n' > client.ext
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
  -extfile client.ext -out client.crt 2>/dev/null
openssl pkey -in client.key -aes256 -passout pass:oneloop -out client-protected.key

printf 'hello over tls\n' > www/hello.txt
head -c 102400 /dev/zero | tr '\0' 'z' > www/100k.bin

cat > nginx.conf <<CONF
daemon off;
master_process off;
user root;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $dir/tmp;
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$port ssl http2;
        ssl_certificate $dir/server.crt;
        ssl_certificate_key $dir/server.key;
        ssl_client_certificate $dir/ca.crt;
        ssl_verify_client optional;
        root $dir/www;
        location = /whoami { return 200 "\$ssl_client_verify \$ssl_client_s_dn\n"; }
        location / { }
    }
}
CONF
exec nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
