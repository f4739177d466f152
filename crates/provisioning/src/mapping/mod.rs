//! Attribute mappings: how a user or group of the directory becomes the object written into an
//! app (direct, constant, expression, default, apply-on-create), the Entra ID default mappings,
//! their TOML form, and the difference between what the app has and what it should have.
