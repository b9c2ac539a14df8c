"""Competency Review: the Streamlit entry point. Thin: it reads input, calls review services, renders."""

import streamlit as st

st.set_page_config(page_title="Competency Review", page_icon="📋", layout="wide")
st.title("Competency Review")
st.write("Policy review against the Wisconsin 2017 competency framework. The workspace is being built.")
