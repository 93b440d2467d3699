"""Microsoft Graph Data Connect (MGDC) SharePoint datasets: their documented fields, shared by writer and reader."""
