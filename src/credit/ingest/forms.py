"""The upload form: a catalog item the principal may submit to, the department it reports for
(its own, or one an API client was granted) and the file."""

from __future__ import annotations

from django import forms

from credit.ingest import selectors


class UploadForm(forms.Form):
    item = forms.ModelChoiceField(label="目录项", queryset=None, to_field_name="code")
    department = forms.ModelChoiceField(label="报送部门", queryset=None, to_field_name="code")
    file = forms.FileField(label="数据文件", help_text="xlsx、csv、txt、xml 或其 zip 压缩包")

    def __init__(self, *args, principal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = selectors.submittable_items()
        self.fields["department"].queryset = selectors.submittable_departments(principal)
