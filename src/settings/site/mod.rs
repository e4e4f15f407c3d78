//! The site around the settings, as the facade uses it: the user groups
//! folded into every check, the sites a scope may name, and the users
//! whose groups make an [`Actor`](crate::settings::Actor).

pub(crate) mod group_source;
mod groups;
mod sites;
mod users;
