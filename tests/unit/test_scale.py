"""The scaled set-up's files (sgd_app/scale.py): the nginx configuration Debian's nginx accepts,
the app's own security headers on what nginx serves, the certificate made once."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import stat
import subprocess

import pytest
from cryptography import x509

from sgd_app import scale, settings

INLINE = "window.__hola = 1;"


@pytest.fixture
def layout(tmp_path):
    lay = scale.Layout(data_dir=tmp_path, workers=3, https_port=18443, http_port=18080, first_worker_port=18001)
    lay.static_dir.mkdir(parents=True)
    (lay.static_dir / "index.html").write_text(f"<html><script>{INLINE}</script></html>")
    (lay.web_dir / "routes.json").write_text(json.dumps(["index", "expedientes/[numero]", "bandeja"]))
    return lay


def test_nginx_accepts_the_rendered_configuration(layout):
    if not shutil.which("nginx") and not (scale.Path("/usr/sbin/nginx").exists()):
        pytest.fail("Debian's nginx is required (make sysdeps)")
    main = scale.write_configs(layout)
    done = subprocess.run([*scale.nginx_args(layout, main), "-t"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    site = (layout.dir / "nginx-site.conf").read_text()
    for port in (18001, 18002, 18003):
        assert f"server 127.0.0.1:{port} " in site
    assert "return 301 https://localhost:18443$request_uri;" in site
    assert f"proxy_bind {scale.PROXY_ADDRESS};" in site
    assert f"client_max_body_size {settings.MAX_UPLOAD_BODY};" in site
    assert f"client_max_body_size {settings.MAX_API_BODY};" in site
    assert "location ~ ^/expedientes/[^/]+/?$" in site  # the page with a parameter gets the shell
    # The CSP nginx sends carries the hash of the build's inline script, as the app's does.
    digest = base64.b64encode(hashlib.sha256(INLINE.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in site and "Strict-Transport-Security" in site
    assert 'return 503 \'<!doctype html><html lang="es">' in site and "no responde en este momento" in site


def test_a_worker_taken_out_is_marked_down(layout):
    scale.write_configs(layout, down=frozenset({18002}))
    site = (layout.dir / "nginx-site.conf").read_text()
    assert "server 127.0.0.1:18002 max_fails=1 fail_timeout=3s down;" in site
    assert "server 127.0.0.1:18001 max_fails=1 fail_timeout=3s;" in site


def test_the_self_signed_certificate_is_made_once(layout):
    cert, key = scale.ensure_certificate(layout)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    parsed = x509.load_pem_x509_certificate(cert.read_bytes())
    names = parsed.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert {str(a) for a in names.get_values_for_type(x509.IPAddress)} >= {"127.0.0.1", "::1"}
    again = scale.ensure_certificate(layout)
    assert again == (cert, key) and again[0].read_bytes() == cert.read_bytes()


def test_a_template_value_left_out_is_an_error(tmp_path, monkeypatch):
    (tmp_path / "x.template").write_text("listen @@PORT@@;\nroot @@ROOT@@;\n")
    monkeypatch.setattr(scale.nginx, "DEPLOY", tmp_path)
    with pytest.raises(scale.ScaleError, match="@@ROOT@@"):
        scale.nginx._fill("x.template", {"PORT": "1"})


def test_the_previous_builds_assets_stay_a_week(layout):
    import os
    import time

    from sgd_app.scale.stack import keep_previous_assets

    assets = layout.static_dir / "assets"
    assets.mkdir()
    (assets / "_mesa-ABC123.js").write_text("viejo")
    keep_previous_assets(layout)
    kept = layout.previous_dir / "assets" / "_mesa-ABC123.js"
    assert kept.read_text() == "viejo"
    # The new build replaces the directory: the old name is still there for a tab opened before.
    shutil.rmtree(assets)
    assets.mkdir()
    (assets / "_mesa-DEF456.js").write_text("nuevo")
    old = time.time() - 8 * 86400
    os.utime(kept, (old, old))
    keep_previous_assets(layout)
    assert (layout.previous_dir / "assets" / "_mesa-DEF456.js").exists()
    assert not kept.exists()  # more than a week after the upgrade that replaced it
    site = scale.render_site(layout, *scale.ensure_certificate(layout))
    assert f"root {layout.previous_dir};" in site and "try_files $uri @previous_asset;" in site
