#!/bin/bash
# Healthy when the DPS HTTPS port accepts a TCP connection (FIRSTBOOT_HEALTH_PORT overrides 8443).
exec 3<>"/dev/tcp/127.0.0.1/${FIRSTBOOT_HEALTH_PORT:-8443}"
