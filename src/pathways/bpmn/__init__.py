"""BPMN 2.0 interchange (issue 14); see docs/bpmn.md."""
