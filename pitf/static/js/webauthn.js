/* Security keys and passkeys (WebAuthn): a form with data-webauthn="create" registers one, "get" signs in with
   one. The server gives the options as base64url JSON in data-webauthn-options; this asks the browser
   (navigator.credentials), puts its answer as JSON in the form's "credential" field and posts the form.
   Loaded as a file (CSP: no inline script). */
(function () {
  "use strict";

  function toBuffer(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var bin = window.atob(b64);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
    return window.btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function creationOptions(o) {
    o.challenge = toBuffer(o.challenge);
    o.user.id = toBuffer(o.user.id);
    (o.excludeCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return o;
  }

  function requestOptions(o) {
    o.challenge = toBuffer(o.challenge);
    (o.allowCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return o;
  }

  function common(cred) {
    return {
      id: cred.id, rawId: toText(cred.rawId), type: cred.type,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      authenticatorAttachment: cred.authenticatorAttachment || null
    };
  }

  function registration(cred) {
    var out = common(cred);
    var r = cred.response;
    out.response = {
      clientDataJSON: toText(r.clientDataJSON), attestationObject: toText(r.attestationObject),
      transports: r.getTransports ? r.getTransports() : []
    };
    return out;
  }

  function assertion(cred) {
    var out = common(cred);
    var r = cred.response;
    out.response = {
      clientDataJSON: toText(r.clientDataJSON), authenticatorData: toText(r.authenticatorData),
      signature: toText(r.signature), userHandle: r.userHandle ? toText(r.userHandle) : null
    };
    return out;
  }

  function say(form, message) {
    var status = form.querySelector("[data-webauthn-status]");
    if (status) {
      status.textContent = message;
      status.hidden = false;
    }
  }

  function why(err) {
    if (err && err.name === "NotAllowedError") {
      return "The security key did not answer, or it is not one registered here. Try again, or use another way below.";
    }
    if (err && err.name === "InvalidStateError") {
      return "This security key is already registered.";
    }
    if (err && err.name === "SecurityError") {
      return "The browser refused: open the platform at its own address (not an IP address) to use security keys.";
    }
    return "The security key could not be used" + (err && err.message ? ": " + err.message : ".");
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-webauthn]"), function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!window.PublicKeyCredential || !navigator.credentials) {
        say(form, "This browser cannot use security keys or passkeys. Use another browser or another way to sign in.");
        return;
      }
      var mode = form.getAttribute("data-webauthn");
      var name = form.querySelector("input[name=name]");
      if (name && !name.value.trim()) {
        say(form, "Name the key first, e.g. “YubiKey on my keyring”.");
        name.focus();
        return;
      }
      var options = JSON.parse(form.getAttribute("data-webauthn-options"));
      var asked = mode === "create"
        ? navigator.credentials.create({ publicKey: creationOptions(options) })
        : navigator.credentials.get({ publicKey: requestOptions(options) });
      asked.then(function (cred) {
        form.querySelector("input[name=credential]").value =
          JSON.stringify(mode === "create" ? registration(cred) : assertion(cred));
        form.submit();
      }).catch(function (err) {
        say(form, why(err));
      });
    });
  });
})();
