"""One module per topic; each takes canonical frames (``wscb_analysis.io``) and a period."""
