"""URL patterns of the counter's tickets pages (joined in counter/urls/__init__.py): reception,
the desk, the public call displays and their devices, the congestion view."""

from django.urls import path

from civicdesk.counter.views import congestion, desk, displays, reception

urlpatterns = [
    path("reception/", reception.reception, name="reception"),
    path("reception/tickets/<int:pk>/", reception.reception_ticket, name="reception_ticket"),
    path("reception/tickets/<int:pk>/slip.pdf", reception.ticket_slip, name="ticket_slip"),
    path("desk/", desk.desk, name="desk"),
    path("desk/counter/", desk.desk_counter, name="desk_counter"),
    path("desk/waiting/", desk.desk_waiting, name="desk_waiting"),
    path("desk/next/", desk.desk_next, name="desk_next"),
    path("desk/tickets/<int:pk>/recall/", desk.desk_recall, name="desk_recall"),
    path("desk/tickets/<int:pk>/no-show/", desk.desk_no_show, name="desk_no_show"),
    path("desk/tickets/<int:pk>/start/", desk.desk_start, name="desk_start"),
    path("desk/tickets/<int:pk>/park/", desk.desk_park, name="desk_park"),
    path("desk/tickets/<int:pk>/resume/", desk.desk_resume, name="desk_resume"),
    path("desk/tickets/<int:pk>/transfer/", desk.desk_transfer, name="desk_transfer"),
    path("desk/tickets/<int:pk>/pickup/", desk.desk_pickup, name="desk_pickup"),
    path("desk/tickets/<int:pk>/finish/", desk.desk_finish, name="desk_finish"),
    path("display/<str:key>/", displays.display, name="display"),
    path("display/<str:key>/state/", displays.display_state, name="display_state"),
    path("displays/", displays.displays, name="displays"),
    path("displays/<int:pk>/revoke/", displays.display_revoke, name="display_revoke"),
    path("congestion/", congestion.congestion, name="congestion"),
    path("congestion/panel/", congestion.congestion_panel, name="congestion_panel"),
]
