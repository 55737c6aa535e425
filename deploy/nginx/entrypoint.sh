#!/bin/sh
# Render nginx.conf from the NGINX_* settings, test it, run nginx in the foreground.
set -e
python3 /opt/livegallery/render.py /etc/nginx/nginx.conf
nginx -t -q
exec nginx -g 'daemon off;'
