"""The SOAP WebService adapter."""
