"""Export: choose a format and filters, preview what is kept and why, create a dataset version, download versions."""

import streamlit as st

from feedback.errors import FeedbackError
from feedback.export.build import build_export
from feedback.export.choices import export_choices
from feedback.export.versions import list_versions, save_version, version_zip
from feedback.people.permissions import ADMIN, REVIEWER, at_least
from feedback.ui import context, export_views
from feedback.ui.actions import flash, show_flash
from feedback.ui.guard import require_user
from feedback.ui.markdown import plain, safe_markdown

user = require_user(REVIEWER, refusal="Only reviewers and admins may see dataset exports")
project = context.current_project()
st.title("Export")
if project is None:
    st.info("No project yet: import a file on the Data page.")
    st.stop()
may_create = at_least(user, ADMIN)
show_flash()

st.subheader(f"New version of {plain(project.name)}")
if not may_create:
    st.caption("Reviewers can preview and download; only admins create versions.")
settings = None
try:
    with context.session() as s:
        choices = export_choices(session=s, user=user, project=project)
    settings = export_views.settings(choices)
except FeedbackError as e:  # e.g. desirable threshold not above the undesirable one: fix it, the versions stay
    st.error(safe_markdown(str(e)))
options, curation = settings or (None, None)

look, create, _rest = st.columns([1, 1, 5])
if look.button("Preview", key="export.preview", disabled=settings is None):
    try:
        with st.spinner("Applying the filters and building the rows..."), context.session() as s:
            bundle = build_export(session=s, user=user, project=project.name, options=options, curation=curation,
                                  files=False)
    except FeedbackError as e:
        st.error(safe_markdown(str(e)))
    else:
        export_views.preview(bundle)
if may_create and create.button("Create version", type="primary", key="export.create", disabled=settings is None):
    try:
        with st.spinner("Building and saving the version..."), context.session() as s:
            bundle = build_export(session=s, user=user, project=project.name, options=options, curation=curation)
            info = save_version(session=s, user=user, bundle=bundle, export_dir=context.export_dir())
    except FeedbackError as e:
        st.error(safe_markdown(str(e)))
    else:
        flash(f"Created {info.name}: {info.rows:,} rows ({', '.join(f'{n:,} {k}' for k, n in info.splits.items())}) "
              f"in {info.path}")
        st.rerun()

st.subheader("Versions")
with context.session() as s:
    versions = list_versions(session=s, user=user, project=project.name, export_dir=context.export_dir())
if not versions:
    st.caption("No version yet.")
else:
    export_views.versions_table(versions)
    number = st.selectbox("Version to download", [v.number for v in versions], format_func=lambda n: f"v{n}",
                          key="export.download_version")
    ready = st.session_state.get("export.zip")
    if ready is None or ready[0] != (project.name, number):
        if st.button(f"Prepare v{number} for download", key="export.prepare",
                     help="checks every file against the manifest, then zips the folder"):
            chosen = next(v for v in versions if v.number == number)
            try:
                st.session_state["export.zip"] = ((project.name, number), chosen.path.name, version_zip(chosen))
            except FeedbackError as e:
                st.error(safe_markdown(str(e)))
            else:
                st.rerun()
    else:
        _key, folder, data = ready
        st.download_button(f"Download v{number} (zip)", data, file_name=f"{folder}.zip", mime="application/zip",
                           key="export.download", on_click="ignore")
