"""Forms of sign-in: the password step and the 6-digit code."""

import unicodedata

from django import forms


class LoginForm(forms.Form):
    username = forms.CharField(
        label="ユーザーID",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label="パスワード",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TokenForm(forms.Form):
    token = forms.RegexField(
        label="確認コード（6 桁）",
        regex=r"^\d{6}$",
        error_messages={"invalid": "6 桁の数字を入力してください。"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": r"\d{6}",
                "maxlength": 6,
                "autofocus": True,
            }
        ),
    )

    def clean_token(self) -> str:
        # Authenticator apps show "123 456"; people type it with the space or in full width.
        return unicodedata.normalize("NFKC", self.cleaned_data["token"]).replace(" ", "")


# --- the staff roster (業務従事者名簿) ---------------------------------------------------------
